// One portable schema for both backends. Keep it in step with both migration trees;
// `tests/api/schema_parity.rs` checks that the trees agree.

diesel::table! {
    projects (id) {
        id -> BigInt,
        slug -> Text,
        name -> Text,
        summary -> Text,
        kind -> Text,
        homepage -> Nullable<Text>,
        created_at -> Timestamp,
        description -> Text,
        license -> Nullable<Text>,
        repository_url -> Nullable<Text>,
        model_card_url -> Nullable<Text>,
        currency -> Text,
        auto_approve_sponsors -> Bool,
        contact_name -> Nullable<Text>,
        contact_email -> Nullable<Text>,
        archived_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
        search_name -> Text,
        count_bots -> Bool,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        email -> Text,
        display_name -> Text,
        password_hash -> Nullable<Text>,
        email_verified_at -> Nullable<Timestamp>,
        is_admin -> Bool,
        github_id -> Nullable<BigInt>,
        github_login -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sessions (id) {
        id -> BigInt,
        user_id -> BigInt,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        revoke_reason -> Nullable<Text>,
        auth_method -> Text,
        authenticated_at -> Timestamp,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> BigInt,
        session_id -> BigInt,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        name -> Text,
        token_hash -> Text,
        prefix -> Text,
        scopes -> Text,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        expires_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    email_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        purpose -> Text,
        token_hash -> Text,
        new_email -> Nullable<Text>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        session_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    oauth_states (id) {
        id -> BigInt,
        state_hash -> Text,
        mode -> Text,
        user_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    project_members (project_id, user_id) {
        project_id -> BigInt,
        user_id -> BigInt,
        role -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    jobs (id) {
        id -> BigInt,
        kind -> Text,
        payload -> Text,
        state -> Text,
        attempts -> Integer,
        max_attempts -> Integer,
        run_at -> Timestamp,
        locked_by -> Nullable<Text>,
        locked_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        unique_key -> Nullable<Text>,
    }
}

diesel::table! {
    outbox (id) {
        id -> BigInt,
        to_address -> Text,
        subject -> Text,
        text_body -> Nullable<Text>,
        html_body -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        attempts -> Integer,
        last_error -> Nullable<Text>,
        template -> Text,
        purge_body_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    rate_limits (key) {
        key -> Text,
        window_start -> Timestamp,
        hits -> Integer,
    }
}

diesel::table! {
    instance_secrets (name) {
        name -> Text,
        value -> Text,
        created_at -> Timestamp,
    }
}

// Funding and the ledger (migration 4).

diesel::table! {
    accelerators (id) {
        id -> BigInt,
        code -> Text,
        display_name -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    project_accelerator_values (project_id, accelerator_id) {
        project_id -> BigInt,
        accelerator_id -> BigInt,
        minor_per_gpu_hour -> BigInt,
    }
}

diesel::table! {
    slurm_gpu_types (project_id, slurm_type) {
        project_id -> BigInt,
        slurm_type -> Text,
        accelerator_id -> BigInt,
    }
}

diesel::table! {
    goals (id) {
        id -> BigInt,
        project_id -> BigInt,
        title -> Text,
        description -> Text,
        deadline -> Nullable<Timestamp>,
        money_target_minor -> Nullable<BigInt>,
        status -> Text,
        met_at -> Nullable<Timestamp>,
        created_by -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        met_notified_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    goal_compute_targets (goal_id, accelerator_id) {
        goal_id -> BigInt,
        accelerator_id -> BigInt,
        gpu_minutes -> BigInt,
    }
}

diesel::table! {
    sponsor_profiles (user_id) {
        user_id -> BigInt,
        public_name -> Text,
        link -> Nullable<Text>,
        logo_url -> Nullable<Text>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    sponsor_approvals (project_id, user_id) {
        project_id -> BigInt,
        user_id -> BigInt,
        state -> Text,
        decided_by -> Nullable<BigInt>,
        decided_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    pledges (id) {
        id -> BigInt,
        project_id -> BigInt,
        sponsor_id -> BigInt,
        goal_id -> Nullable<BigInt>,
        kind -> Text,
        state -> Text,
        anonymous -> Bool,
        message -> Nullable<Text>,
        currency -> Nullable<Text>,
        amount_minor -> Nullable<BigInt>,
        recurrence -> Nullable<Text>,
        instalments_created -> Integer,
        accelerator_id -> Nullable<BigInt>,
        gpu_minutes -> Nullable<BigInt>,
        provider -> Nullable<Text>,
        window_start -> Nullable<Timestamp>,
        window_end -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    instalments (id) {
        id -> BigInt,
        pledge_id -> BigInt,
        seq -> Integer,
        due_at -> Timestamp,
        amount_minor -> BigInt,
        state -> Text,
        received_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    deliveries (id) {
        id -> BigInt,
        pledge_id -> BigInt,
        gpu_minutes -> BigInt,
        evidence -> Text,
        source -> Text,
        state -> Text,
        reported_by -> Nullable<BigInt>,
        reported_token_id -> Nullable<BigInt>,
        decided_by -> Nullable<BigInt>,
        decided_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    expenses (id) {
        id -> BigInt,
        project_id -> BigInt,
        description -> Text,
        currency -> Text,
        amount_minor -> BigInt,
        receipt_url -> Nullable<Text>,
        recorded_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    ledger_accounts (id) {
        id -> BigInt,
        path -> Text,
        kind -> Text,
        project_id -> Nullable<BigInt>,
        user_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    ledger_transactions (id) {
        id -> BigInt,
        project_id -> Nullable<BigInt>,
        kind -> Text,
        description -> Text,
        occurred_at -> Timestamp,
        created_by -> Nullable<BigInt>,
        reverses_id -> Nullable<BigInt>,
        pledge_id -> Nullable<BigInt>,
        instalment_id -> Nullable<BigInt>,
        delivery_id -> Nullable<BigInt>,
        expense_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    ledger_entries (id) {
        id -> BigInt,
        transaction_id -> BigInt,
        account_id -> BigInt,
        commodity -> Text,
        amount -> BigInt,
    }
}

diesel::table! {
    idempotency_keys (id) {
        id -> BigInt,
        user_id -> BigInt,
        scope -> Text,
        key -> Text,
        request_hash -> Text,
        response_status -> Integer,
        response_body -> Text,
        created_at -> Timestamp,
    }
}

// GitHub activity (migration 2026-12-08-000009; design in `store::repositories`).

diesel::table! {
    repositories (id) {
        id -> BigInt,
        project_id -> BigInt,
        full_name -> Text,
        full_name_key -> Text,
        github_id -> Nullable<BigInt>,
        default_branch -> Nullable<Text>,
        webhook_secret -> Text,
        linked_by -> BigInt,
        created_at -> Timestamp,
        unlinked_at -> Nullable<Timestamp>,
        sync_requested_at -> Nullable<Timestamp>,
        last_sync_started_at -> Nullable<Timestamp>,
        last_success_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        last_error_at -> Nullable<Timestamp>,
        rate_limit_remaining -> Nullable<BigInt>,
        rate_limit_limit -> Nullable<BigInt>,
        rate_limit_reset_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    repository_sync_state (repository_id, resource) {
        repository_id -> BigInt,
        resource -> Text,
        watermark -> Nullable<Text>,
        etag -> Nullable<Text>,
        resume_url -> Nullable<Text>,
        items_stored -> BigInt,
        requests_spent -> BigInt,
        not_modified -> BigInt,
        full_pass_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
        pass_watermark -> Nullable<Text>,
        pass_etag -> Nullable<Text>,
        skipped -> Nullable<Text>,
    }
}

diesel::table! {
    contributors (id) {
        id -> BigInt,
        github_user_id -> Nullable<BigInt>,
        login -> Nullable<Text>,
        name -> Nullable<Text>,
        avatar_url -> Nullable<Text>,
        html_url -> Nullable<Text>,
        is_bot -> Bool,
        email_hash -> Nullable<Text>,
        user_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    contributor_emails (email_hash) {
        email_hash -> Text,
        contributor_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    contributions (id) {
        id -> BigInt,
        project_id -> BigInt,
        repository_id -> Nullable<BigInt>,
        contributor_id -> BigInt,
        kind -> Text,
        source_key -> Text,
        occurred_at -> Timestamp,
        title -> Nullable<Text>,
        url -> Nullable<Text>,
        removed_at -> Nullable<Timestamp>,
        recorded_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    identity_merges (id) {
        id -> BigInt,
        project_id -> BigInt,
        from_contributor_id -> BigInt,
        into_contributor_id -> BigInt,
        created_by -> BigInt,
        created_at -> Timestamp,
        undone_at -> Nullable<Timestamp>,
        undone_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> BigInt,
        delivery_guid -> Text,
        repository_id -> Nullable<BigInt>,
        event -> Text,
        action -> Nullable<Text>,
        payload -> Text,
        received_at -> Timestamp,
        processed_at -> Nullable<Timestamp>,
        error -> Nullable<Text>,
    }
}

diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(refresh_tokens -> sessions (session_id));
diesel::table! {
    pledge_tokens (token_id) {
        token_id -> BigInt,
        pledge_id -> BigInt,
    }
}

diesel::joinable!(api_tokens -> users (user_id));
diesel::joinable!(pledge_tokens -> api_tokens (token_id));
diesel::joinable!(email_tokens -> users (user_id));
diesel::joinable!(project_members -> users (user_id));
diesel::joinable!(project_members -> projects (project_id));
diesel::joinable!(goals -> projects (project_id));
diesel::joinable!(goal_compute_targets -> goals (goal_id));
diesel::joinable!(goal_compute_targets -> accelerators (accelerator_id));
diesel::joinable!(project_accelerator_values -> accelerators (accelerator_id));
diesel::joinable!(slurm_gpu_types -> accelerators (accelerator_id));
diesel::joinable!(pledges -> projects (project_id));
diesel::joinable!(instalments -> pledges (pledge_id));
diesel::joinable!(deliveries -> pledges (pledge_id));
diesel::joinable!(expenses -> projects (project_id));
diesel::joinable!(ledger_entries -> ledger_transactions (transaction_id));
diesel::joinable!(ledger_entries -> ledger_accounts (account_id));
diesel::joinable!(repositories -> projects (project_id));
diesel::joinable!(repositories -> users (linked_by));
diesel::joinable!(repository_sync_state -> repositories (repository_id));
diesel::joinable!(contributors -> users (user_id));
diesel::joinable!(contributor_emails -> contributors (contributor_id));
diesel::joinable!(contributions -> projects (project_id));
diesel::joinable!(contributions -> repositories (repository_id));
diesel::joinable!(contributions -> contributors (contributor_id));
diesel::joinable!(identity_merges -> projects (project_id));
diesel::joinable!(webhook_deliveries -> repositories (repository_id));

diesel::allow_tables_to_appear_in_same_query!(
    projects,
    users,
    sessions,
    refresh_tokens,
    api_tokens,
    pledge_tokens,
    email_tokens,
    oauth_states,
    project_members,
    jobs,
    outbox,
    rate_limits,
    instance_secrets,
    accelerators,
    project_accelerator_values,
    slurm_gpu_types,
    goals,
    goal_compute_targets,
    sponsor_profiles,
    sponsor_approvals,
    pledges,
    instalments,
    deliveries,
    expenses,
    ledger_accounts,
    ledger_transactions,
    ledger_entries,
    idempotency_keys,
    repositories,
    repository_sync_state,
    contributors,
    contributor_emails,
    contributions,
    identity_merges,
    webhook_deliveries,
);
