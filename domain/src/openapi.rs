//! `utoipa` schemas of the types whose JSON is not what a derive would
//! read from their fields (feature `openapi`): each states the shape the
//! type really serialises to and accepts, so responses validate against
//! the document.

use std::borrow::Cow;

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::{PartialSchema, ToSchema};

use crate::achievement::AchievementType;
use crate::catalog::{AchievementDefinition, AchievementKey, BoundedText};
use crate::credits::{CreditUnit, Credits};
use crate::duration::IsoDuration;
use crate::skill::Skill;
use crate::web_url::HttpUrl;

fn string(description: &str) -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String).description(Some(description))
}

/// Trimmed, then not empty and at most `max` characters. The pattern says
/// "not only whitespace" (Rust's whitespace does not include \x1c-\x1f; a
/// JSON Schema validator's may, so those count as text).
fn text(max: usize, description: &str) -> RefOr<Schema> {
    string(description).min_length(Some(1)).max_length(Some(max)).pattern(Some("\\S|[\\x1c-\\x1f]")).into()
}

impl<const MAX: usize> PartialSchema for BoundedText<MAX> {
    fn schema() -> RefOr<Schema> {
        match MAX {
            64 => text(MAX, "A tag: 1 to 64 characters, not only whitespace (trimmed)."),
            200 => text(MAX, "A name: 1 to 200 characters, not only whitespace (trimmed)."),
            10_000 => text(MAX, "Text of 1 to 10,000 characters, not only whitespace (trimmed)."),
            _ => text(MAX, "Text, not only whitespace (trimmed)."),
        }
    }
}

impl<const MAX: usize> ToSchema for BoundedText<MAX> {
    /// The names the API has always used for the three lengths.
    fn name() -> Cow<'static, str> {
        match MAX {
            64 => Cow::Borrowed("Tag"),
            200 => Cow::Borrowed("Name"),
            10_000 => Cow::Borrowed("LongText"),
            _ => Cow::Owned(format!("Text{MAX}")),
        }
    }
}

impl PartialSchema for AchievementKey {
    fn schema() -> RefOr<Schema> {
        string("An achievement's key, unique in its institution's catalog: 1 to 64 characters of a-z, 0-9, - and _.")
            .pattern(Some("^[a-z0-9_-]{1,64}$"))
            .examples(["data-viz-101"])
            .into()
    }
}

impl ToSchema for AchievementKey {}

impl PartialSchema for Skill {
    fn schema() -> RefOr<Schema> {
        text(2048, "A skill (an alignment's `targetUrl` or `targetCode`): 1 to 2,048 characters, not only whitespace (trimmed).")
    }
}

impl ToSchema for Skill {}

impl PartialSchema for HttpUrl {
    fn schema() -> RefOr<Schema> {
        string("An absolute http or https URL.").max_length(Some(HttpUrl::MAX_LEN)).into()
    }
}

impl ToSchema for HttpUrl {}

impl PartialSchema for CreditUnit {
    fn schema() -> RefOr<Schema> {
        string("A credit unit (ECTS, hours, CEU, …), compared case-insensitively: letters, digits, `-` and `_`.")
            .min_length(Some(1))
            .max_length(Some(32))
            .examples(["ECTS"])
            .into()
    }
}

impl ToSchema for CreditUnit {}

impl PartialSchema for Credits {
    /// Serialised as `{"amount": "7.5", "unit": "ECTS"}`: the amount an
    /// exact decimal string (a JSON number is accepted on input too).
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some("An exact, positive amount of credit in a unit."))
            .property("amount", string("An exact positive decimal as a string, e.g. \"7.5\".").pattern(Some("^[0-9]+(\\.[0-9]+)?$")))
            .required("amount")
            .property("unit", CreditUnit::schema())
            .required("unit")
            .additional_properties(Some(utoipa::openapi::schema::AdditionalProperties::FreeForm(false)))
            .examples([serde_json::json!({"amount": "7.5", "unit": "ECTS"})])
            .into()
    }
}

impl ToSchema for Credits {}

impl PartialSchema for IsoDuration {
    fn schema() -> RefOr<Schema> {
        string("An ISO 8601 duration with calendar components, e.g. `P3Y`, `P18M`, `P1Y6M`.").pattern(Some("^P")).examples(["P3Y"]).into()
    }
}

impl ToSchema for IsoDuration {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Duration")
    }
}

impl PartialSchema for AchievementType {
    fn schema() -> RefOr<Schema> {
        string("OB 3.0 achievementType vocabulary (MicroCredential, Badge, Course, Certificate, Award, …) or `ext:Name`.")
            .examples(["MicroCredential"])
            .into()
    }
}

impl ToSchema for AchievementType {}

/// The definition as a catalog entry shows it, beside the entry's own
/// fields: [`AchievementDefinition`]'s schema without its ban on other
/// fields (it is flattened into a larger object).
pub struct AchievementFields;

impl PartialSchema for AchievementFields {
    fn schema() -> RefOr<Schema> {
        match AchievementDefinition::schema() {
            RefOr::T(Schema::Object(mut object)) => {
                object.additional_properties = None;
                object.example = None;
                object.examples = Vec::new();
                RefOr::T(Schema::Object(object))
            }
            other => other,
        }
    }
}

impl ToSchema for AchievementFields {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        AchievementDefinition::schemas(schemas);
    }
}
