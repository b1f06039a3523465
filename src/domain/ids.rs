//! Newtype ids, one per table whose ids meet others', so a `UserId` can never be
//! passed where a `ProjectId` is meant. Stored as `BIGINT`; JSON shows a bare integer.

crate::id_type! {
    /// A user (`users.id`).
    pub struct UserId;
}

crate::id_type! {
    /// A project (`projects.id`).
    pub struct ProjectId;
}

crate::id_type! {
    /// A session, i.e. one refresh-token family (`sessions.id`).
    pub struct SessionId;
}

crate::id_type! {
    /// A personal API token (`api_tokens.id`).
    pub struct ApiTokenId;
}

crate::id_type! {
    /// A queued job (`jobs.id`).
    pub struct JobId;
}

crate::id_type! {
    /// A message in the mail outbox (`outbox.id`).
    pub struct OutboxId;
}

crate::id_type! {
    /// A ledger account (`ledger_accounts.id`).
    pub struct LedgerAccountId;
}

crate::id_type! {
    /// A ledger transaction (`ledger_transactions.id`).
    pub struct TransactionId;
}

crate::id_type! {
    /// An expense a maintainer recorded (`expenses.id`).
    pub struct ExpenseId;
}

crate::id_type! {
    /// A pledge of money or compute (`pledges.id`).
    pub struct PledgeId;
}

crate::id_type! {
    /// One month of a monthly pledge (`instalments.id`).
    pub struct InstalmentId;
}

crate::id_type! {
    /// A project's funding goal (`goals.id`).
    pub struct GoalId;
}

crate::id_type! {
    /// A report of compute delivered against a pledge (`deliveries.id`).
    pub struct DeliveryId;
}

crate::id_type! {
    /// A GitHub repository linked to a project (`repositories.id`; not GitHub's id).
    pub struct RepositoryId;
}

crate::id_type! {
    /// A webhook delivery as received (`webhook_deliveries.id`; not GitHub's GUID).
    pub struct WebhookDeliveryId;
}

crate::id_type! {
    /// One identity that contributed: a GitHub account or an email-keyed author
    /// (`contributors.id`; not GitHub's user id).
    pub struct ContributorId;
}

crate::id_type! {
    /// One piece of credit (`contributions.id`).
    pub struct ContributionId;
}

crate::id_type! {
    /// A maintainer's merge of two identities in a project (`identity_merges.id`).
    pub struct IdentityMergeId;
}
