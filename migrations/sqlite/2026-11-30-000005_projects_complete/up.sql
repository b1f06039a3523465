-- Projects, completed (issue 7 §1): the public list searches and sorts by name the same
-- way on both backends. `search_name` is the name lowercased by the application
-- (Unicode, in Rust), compared and ordered bytewise (SQLite's BINARY collation; "C" on
-- PostgreSQL), so `q` matches and `sort=name` orders identically everywhere.
ALTER TABLE projects ADD COLUMN search_name TEXT NOT NULL DEFAULT '';
-- Rows from before: SQLite's lower() folds ASCII only; the application rewrites the
-- column on the next edit of the name.
UPDATE projects SET search_name = lower(name);
CREATE INDEX projects_search_name_idx ON projects (search_name, id);
CREATE INDEX projects_updated_at_idx ON projects (updated_at, id);
CREATE INDEX projects_kind_created_idx ON projects (kind, created_at, id);
