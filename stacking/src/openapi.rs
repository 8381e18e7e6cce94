//! `utoipa` schemas of the rule language and of the parts of the outcome
//! whose JSON is written by hand (feature `openapi`). A rule is read through
//! raw structs and checked node by node, so its schema is stated here, as
//! the JSON really is: one object per requirement type, told apart by
//! `type`, `credits.min` a decimal string, durations ISO 8601 strings.

use cairn_domain::{CreditUnit, IsoDuration};
use utoipa::openapi::schema::{AdditionalProperties, ArrayBuilder, KnownFormat, ObjectBuilder, OneOfBuilder, Schema, SchemaFormat, Type};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};

use crate::limits::{MAX_CHILDREN, MAX_COUNT_MIN};
use crate::outcome::Measure;
use crate::rule::{Issuance, OnConstituentRevoked, PathwayRule, Requirement, Selector};

fn uuid() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String).format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)))
}

fn string(description: &str) -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String).description(Some(description))
}

fn decimal(description: &str) -> ObjectBuilder {
    string(description).pattern(Some("^[0-9]+(\\.[0-9]+)?$"))
}

fn closed() -> Option<AdditionalProperties<Schema>> {
    Some(AdditionalProperties::FreeForm(false))
}

fn reference(name: &str) -> RefOr<Schema> {
    RefOr::Ref(Ref::from_schema_name(name))
}

/// The fields every requirement may carry, then those of its type.
fn node(types: &[&str], description: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some(description))
        .property("type", ObjectBuilder::new().schema_type(Type::String).enum_values(Some(types.iter().copied())))
        .required("type")
        .property("label", string("Shown to learners; generated from the rule when absent.").min_length(Some(1)).max_length(Some(200)))
        .property("within", reference("Duration"))
        .additional_properties(closed())
}

fn children() -> ArrayBuilder {
    ArrayBuilder::new().items(reference("Requirement")).min_items(Some(1)).max_items(Some(MAX_CHILDREN))
}

fn whole(min: u64, max: u64) -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(min as f64)).maximum(Some(max as f64))
}

impl PartialSchema for Requirement {
    fn schema() -> RefOr<Schema> {
        let groups = node(&["all", "any"], "`all`: every child holds; `any`: at least one does.").property("of", children()).required("of");
        let at_least = node(&["at_least"], "At least `min` children hold.")
            .property("min", whole(1, MAX_CHILDREN as u64))
            .required("min")
            .property("of", children())
            .required("of");
        let count = node(&["count"], "`min` credentials of `min` distinct achievements match `where`.")
            .property("min", whole(1, MAX_COUNT_MIN))
            .required("min")
            .property("where", reference("Selector"))
            .required("where");
        let credits = node(
            &["credits"],
            "The credits of matching credentials sum to at least `min` (exact decimals; other units convert only through the pathway's `conversions`).",
        )
        .property("min", decimal("An exact positive decimal as a string, e.g. \"7.5\" (a JSON number is accepted on input)."))
        .required("min")
        .property("unit", CreditUnit::schema())
        .required("unit")
        .property("where", reference("Selector"))
        .required("where");
        let pathway = node(&["pathway"], "The learner completed that other pathway (nesting).").property("pathway", uuid()).required("pathway");
        OneOfBuilder::new()
            .description(Some("One node of a requirement tree; `type` says which."))
            .item(groups)
            .item(at_least)
            .item(count)
            .item(credits)
            .item(pathway)
            .examples([serde_json::json!({
                "type": "all", "of": [
                    { "type": "count", "min": 1, "label": "Research Ethics", "where": { "achievement": "0190a000-0000-7000-8000-000000000004" } },
                    { "type": "credits", "min": "7", "unit": "ECTS", "label": "7 more ECTS",
                      "where": { "issuer": "0190a000-0000-7000-8000-000000000002", "achievement_type": "MicroCredential" } }
                ]
            })])
            .into()
    }
}

impl ToSchema for Requirement {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((Selector::name().into_owned(), Selector::schema()));
        Selector::schemas(schemas);
        schemas.push((IsoDuration::name().into_owned(), IsoDuration::schema()));
    }
}

impl PartialSchema for PathwayRule {
    fn schema() -> RefOr<Schema> {
        let rate = decimal("1 of the outer unit is this many of the inner one.");
        let conversions = ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some("Unit conversions, e.g. `{\"hours\": {\"ECTS\": \"0.04\"}}`: only direct ones apply."))
            .additional_properties(Some(AdditionalProperties::RefOr(RefOr::T(Schema::Object(
                ObjectBuilder::new()
                    .schema_type(Type::Object)
                    .additional_properties(Some(AdditionalProperties::RefOr(RefOr::T(Schema::Object(rate.build())))))
                    .build(),
            )))));
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some("A pathway: a stacking rule as an institution registers it (docs/rule-language.md)."))
            .property("key", string("Stable key: a-z, 0-9, - and _.").pattern(Some("^[a-z0-9_-]{1,64}$")))
            .required("key")
            .property("name", string("Shown to learners.").min_length(Some(1)).max_length(Some(200)))
            .required("name")
            .property("description", string("What it takes.").max_length(Some(5000)))
            .property("award", uuid().description(Some("The award achievement, in the institution's catalog.")))
            .required("award")
            .property("issuance", reference("Issuance"))
            .property("on_constituent_revoked", reference("OnConstituentRevoked"))
            .property("requirement", reference("Requirement"))
            .required("requirement")
            .property("conversions", conversions)
            .additional_properties(closed())
            .examples([serde_json::json!({
                "key": "professional-learning-award",
                "name": "Professional Learning Award",
                "description": "Earn 3 micro-credentials within 3 years.",
                "award": "0190a000-0000-7000-8000-000000000001",
                "issuance": "automatic",
                "on_constituent_revoked": "revoke",
                "requirement": {
                    "type": "count", "min": 3,
                    "where": { "achievement_type": "MicroCredential", "issuer": "0190a000-0000-7000-8000-000000000002" },
                    "within": "P3Y"
                }
            })])
            .into()
    }
}

impl ToSchema for PathwayRule {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        for (name, schema) in [
            (Requirement::name(), Requirement::schema()),
            (Issuance::name(), Issuance::schema()),
            (OnConstituentRevoked::name(), OnConstituentRevoked::schema()),
        ] {
            schemas.push((name.into_owned(), schema));
        }
        Requirement::schemas(schemas);
    }
}

impl PartialSchema for Measure {
    fn schema() -> RefOr<Schema> {
        OneOfBuilder::new()
            .description(Some("A whole number (achievements, children), or for `credits` nodes an exact decimal string."))
            .item(ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(0.0)))
            .item(decimal("Credits, e.g. \"7.5\"."))
            .into()
    }
}

impl ToSchema for Measure {}
