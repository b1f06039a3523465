-- Projects: the open AI efforts that raise money and compute on this instance.
CREATE TABLE projects (
    id INTEGER PRIMARY KEY NOT NULL,
    slug TEXT NOT NULL UNIQUE CHECK (length(slug) BETWEEN 2 AND 64),
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    summary TEXT NOT NULL CHECK (length(summary) <= 1000),
    kind TEXT NOT NULL CHECK (kind IN ('model', 'dataset', 'library', 'tool', 'other')),
    homepage TEXT,
    created_at TIMESTAMP NOT NULL
);

CREATE INDEX projects_created_at_idx ON projects (created_at DESC, id DESC);
