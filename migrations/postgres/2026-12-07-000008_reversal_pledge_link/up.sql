-- A reversal belongs to the pledge of the transaction it reverses (down a chain of
-- reversals to the first transaction): readers that sum what a pledge brought in (goal
-- progress, the sponsor wall) then follow `pledge_id` alone. Reversals written before
-- this carried no pledge: link them. Entries are not touched.
WITH RECURSIVE chain (id, pledge_id) AS (
    SELECT id, pledge_id FROM ledger_transactions WHERE reverses_id IS NULL
    UNION ALL
    SELECT t.id, c.pledge_id FROM ledger_transactions t JOIN chain c ON t.reverses_id = c.id
)
UPDATE ledger_transactions
SET pledge_id = (SELECT c.pledge_id FROM chain c WHERE c.id = ledger_transactions.id)
WHERE reverses_id IS NOT NULL;
