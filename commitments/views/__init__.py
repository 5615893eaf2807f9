"""Server-rendered pages outside the admin: the public page and calendar feeds."""
