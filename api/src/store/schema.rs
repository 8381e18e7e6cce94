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
        email_verified_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    email_verifications (user_id) {
        user_id -> Text,
        email -> Text,
        code_hash -> Text,
        expires_at -> Timestamp,
        created_at -> Timestamp,
    }
}

diesel::joinable!(email_verifications -> users (user_id));

diesel::table! {
    rate_limits (bucket, account_id) {
        bucket -> Text,
        account_id -> Text,
        window_start -> Timestamp,
        count -> BigInt,
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
        learner_id -> Nullable<Text>,
    }
}

diesel::joinable!(users -> organisations (org_id));

diesel::table! {
    org_keys (kid) {
        kid -> Text,
        org_id -> Text,
        private_key -> Text,
        public_jwk -> Text,
        created_at -> Timestamp,
        alg -> Text,
    }
}

diesel::table! {
    achievements (id) {
        id -> Text,
        org_id -> Text,
        definition -> Text,
        name -> Text,
        achievement_type -> Text,
        created_at -> Timestamp,
        version -> BigInt,
        achievement_key -> Nullable<Text>,
        retired_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    achievement_versions (achievement_id, version) {
        achievement_id -> Text,
        version -> BigInt,
        definition -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    achievement_images (achievement_id) {
        achievement_id -> Text,
        media_type -> Text,
        data -> Text,
        digest -> Text,
        uploaded_at -> Timestamp,
    }
}

diesel::table! {
    status_lists (id) {
        id -> Text,
        org_id -> Text,
        purpose -> Text,
        capacity -> BigInt,
        created_at -> Timestamp,
        allocated -> BigInt,
    }
}

diesel::table! {
    credentials (id) {
        id -> Text,
        org_id -> Text,
        achievement_id -> Text,
        learner_id -> Nullable<Text>,
        recipient_email -> Nullable<Text>,
        claim_code_hash -> Nullable<Text>,
        status -> Text,
        awarded_at -> Timestamp,
        valid_until -> Nullable<Timestamp>,
        credits_earned -> Nullable<Text>,
        evidence -> Text,
        revocation_list_id -> Text,
        suspension_list_id -> Text,
        status_index -> BigInt,
        ob3 -> Text,
        jwt -> Text,
        created_at -> Timestamp,
        achievement_version -> BigInt,
    }
}

diesel::table! {
    credential_events (id) {
        id -> Text,
        credential_id -> Text,
        status -> Text,
        reason -> Text,
        actor_id -> Nullable<Text>,
        at -> Timestamp,
        learner_id -> Nullable<Text>,
    }
}

diesel::table! {
    idempotency_keys (user_id, idem_key) {
        user_id -> Text,
        idem_key -> Text,
        request_hash -> Text,
        status -> BigInt,
        response -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    trusted_issuers (id) {
        id -> Text,
        issuer_id -> Text,
        name -> Text,
        jwks -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    imported_credentials (id) {
        id -> Text,
        learner_id -> Text,
        issuer_id -> Nullable<Text>,
        issuer_name -> Nullable<Text>,
        achievement_name -> Nullable<Text>,
        credential -> Text,
        jwt -> Nullable<Text>,
        verified -> Bool,
        verification -> Text,
        awarded_at -> Nullable<Timestamp>,
        valid_until -> Nullable<Timestamp>,
        imported_at -> Timestamp,
        holder -> Bool,
        fingerprint -> Nullable<Text>,
    }
}

diesel::table! {
    pathways (id) {
        id -> Text,
        org_id -> Text,
        pathway_key -> Text,
        version -> BigInt,
        rule -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    pathway_versions (pathway_id, version) {
        pathway_id -> Text,
        version -> BigInt,
        rule -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    awards (pathway_id, learner_id) {
        pathway_id -> Text,
        learner_id -> Text,
        pathway_version -> BigInt,
        credential_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    achievement_skills (skill, achievement_id) {
        skill -> Text,
        achievement_id -> Text,
        level_rank -> BigInt,
    }
}

diesel::table! {
    employment_records (id) {
        id -> Text,
        learner_id -> Text,
        employer_name -> Text,
        employer_org_id -> Nullable<Text>,
        title -> Text,
        start_date -> Text,
        end_date -> Nullable<Text>,
        description -> Nullable<Text>,
        skills -> Text,
        attested_by -> Nullable<Text>,
        attested_at -> Nullable<Timestamp>,
        attestation_jwt -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    shares (id) {
        id -> Text,
        learner_id -> Text,
        token_hash -> Text,
        scope -> Text,
        audience -> Nullable<Text>,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    share_views (id) {
        id -> Text,
        share_id -> Text,
        at -> Timestamp,
        viewer_id -> Nullable<Text>,
        viewer_org -> Nullable<Text>,
    }
}

diesel::table! {
    share_requests (id) {
        id -> Text,
        org_id -> Text,
        requester_id -> Text,
        learner_id -> Text,
        message -> Text,
        status -> Text,
        share_id -> Nullable<Text>,
        created_at -> Timestamp,
        answered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    discoverability (learner_id) {
        learner_id -> Text,
        every_skill -> Bool,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    discoverable_skills (learner_id, skill) {
        learner_id -> Text,
        skill -> Text,
    }
}

diesel::table! {
    award_reviews (id) {
        id -> Text,
        pathway_id -> Text,
        learner_id -> Text,
        org_id -> Text,
        pathway_version -> BigInt,
        completed_at -> Timestamp,
        constituents -> Text,
        status -> Text,
        reason -> Nullable<Text>,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        award_credential_id -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    cascade_suspensions (award_credential_id, cause_credential_id) {
        award_credential_id -> Text,
        cause_credential_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    award_constituents (award_credential_id, position) {
        award_credential_id -> Text,
        constituent_credential_id -> Text,
        position -> BigInt,
    }
}

diesel::table! {
    pathway_follows (learner_id, pathway_id) {
        learner_id -> Text,
        pathway_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    jobs (id) {
        id -> Text,
        kind -> Text,
        org_id -> Text,
        started_by -> Text,
        state -> Text,
        params -> Text,
        cursor -> Nullable<Text>,
        learners_done -> BigInt,
        learners_total -> Nullable<BigInt>,
        awards_issued -> BigInt,
        errors -> Text,
        result -> Nullable<Text>,
        lease_owner -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
        attempts -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(achievement_skills -> achievements (achievement_id));

diesel::table! {
    web_sessions (secret_hash) {
        secret_hash -> Text,
        user_id -> Text,
        csrf_token -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::joinable!(web_sessions -> users (user_id));

diesel::table! {
    webhook_endpoints (id) {
        id -> Text,
        org_id -> Text,
        url -> Text,
        description -> Text,
        events -> Text,
        secret -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        disabled_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Text,
        endpoint_id -> Text,
        event_id -> Text,
        event_name -> Text,
        payload -> Text,
        state -> Text,
        tries -> BigInt,
        next_attempt_at -> Nullable<Timestamp>,
        lease_owner -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    webhook_attempts (id) {
        id -> Text,
        delivery_id -> Text,
        at -> Timestamp,
        status_code -> Nullable<BigInt>,
        error -> Nullable<Text>,
    }
}

diesel::joinable!(webhook_deliveries -> webhook_endpoints (endpoint_id));

diesel::allow_tables_to_appear_in_same_query!(
    organisations,
    users,
    email_verifications,
    audit_log,
    org_keys,
    achievements,
    status_lists,
    credentials,
    credential_events,
    idempotency_keys,
    trusted_issuers,
    imported_credentials,
    pathways,
    pathway_versions,
    awards,
    achievement_versions,
    achievement_images,
    achievement_skills,
    employment_records,
    shares,
    share_views,
    share_requests,
    discoverability,
    discoverable_skills,
    award_reviews,
    cascade_suspensions,
    award_constituents,
    pathway_follows,
    jobs,
    web_sessions,
    webhook_endpoints,
    webhook_deliveries,
    webhook_attempts,
);

diesel::table! {
    graph_version (id) {
        id -> Integer,
        version -> BigInt,
        token -> Text,
    }
}

diesel::table! {
    graph_changes (version) {
        version -> BigInt,
        pathway_id -> Nullable<Text>,
        achievement_id -> Nullable<Text>,
        changed_at -> Timestamp,
    }
}

diesel::table! {
    learner_outcomes (learner_id) {
        learner_id -> Text,
        graph_version -> BigInt,
        valid_until -> Nullable<Timestamp>,
        computed_at -> Timestamp,
        body -> Text,
    }
}

diesel::table! {
    outcomes (learner_id, pathway_id) {
        learner_id -> Text,
        pathway_id -> Text,
        outcome -> Text,
    }
}

diesel::table! {
    outcome_marks (learner_id, subject) {
        learner_id -> Text,
        subject -> Text,
    }
}

diesel::table! {
    mail_outbox (id) {
        id -> Text,
        event_id -> Text,
        kind -> Text,
        recipient_email -> Text,
        recipient_id -> Nullable<Text>,
        subject -> Text,
        body -> Nullable<Text>,
        state -> Text,
        attempts -> BigInt,
        next_attempt_at -> Timestamp,
        lease_owner -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    notification_preferences (user_id) {
        user_id -> Text,
        issued -> Bool,
        awards -> Bool,
        status_changes -> Bool,
        share_requests -> Bool,
        updated_at -> Timestamp,
    }
}
