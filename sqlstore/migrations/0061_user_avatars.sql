-- An avatar uploaded for a user: the bytes in the blob store under
-- avatar_blob (a SHA-256), their type in avatar_type; '' for none.
ALTER TABLE users ADD COLUMN avatar_blob TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN avatar_type TEXT NOT NULL DEFAULT '';
