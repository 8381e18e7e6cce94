//! Table definitions, written by hand to match `migrations/` (identical on
//! both backends: only portable column types are used).

diesel::table! {
    organisations (id) {
        id -> Text,
        name -> Text,
        kind -> Text,
        url -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        name -> Text,
        password_hash -> Text,
        role -> Text,
        org_id -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Text,
        at -> Timestamp,
        actor_id -> Nullable<Text>,
        action -> Text,
        subject_type -> Text,
        subject_id -> Text,
        org_id -> Nullable<Text>,
        detail -> Text,
    }
}

diesel::joinable!(users -> organisations (org_id));
diesel::allow_tables_to_appear_in_same_query!(organisations, users, audit_log);
