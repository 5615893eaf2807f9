"""Every named read of the ledger, one module per concern: `access` (who may see or do what),
`office` (today, language), `lights`, `statistics`, `reminders`, `calendar`, `public`,
`drafts`. Reads return querysets or plain values and never write."""
