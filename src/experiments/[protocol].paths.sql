-- The experiment pages: one per pinned protocol, at experiments/<protocol>, named in the sidebar by its title.
SELECT id AS protocol, "protocolName" AS title
FROM experiment_protocols
ORDER BY "startDate", id
