-- Pages the topic researcher's offline engine reads to suggest candidate sources: directories
-- whose links (by their text) lead to sites or feeds. Added by an admin; the development seed
-- adds the local stack's demo directory.
CREATE TABLE discovery_directories (
  url        TEXT PRIMARY KEY CHECK (url LIKE 'http://%' OR url LIKE 'https://%'),
  title      TEXT NOT NULL DEFAULT '',
  is_active  INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
  created_at TEXT NOT NULL
) STRICT;
