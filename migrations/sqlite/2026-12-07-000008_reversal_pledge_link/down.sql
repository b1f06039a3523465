UPDATE ledger_transactions SET pledge_id = NULL WHERE reverses_id IS NOT NULL;
