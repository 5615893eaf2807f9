"""The commitment's life: `transitions` (the table and `make_move`), `moves` (one typed function
per move), `extensions` (延期申请 and its decision) and `registry` (each move's and each
extension decision's inputs, roles and label, from which the admin forms and the API inputs are
built)."""
