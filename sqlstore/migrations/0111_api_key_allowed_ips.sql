-- The addresses an API key may be used from (TopTickets' "IP restrictions"):
-- a JSON array of CIDR prefixes; empty, from anywhere.
ALTER TABLE api_keys ADD COLUMN allowed_ips TEXT NOT NULL DEFAULT '[]';
