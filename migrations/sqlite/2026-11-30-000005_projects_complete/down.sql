DROP INDEX projects_kind_created_idx;
DROP INDEX projects_updated_at_idx;
DROP INDEX projects_search_name_idx;
ALTER TABLE projects DROP COLUMN search_name;
