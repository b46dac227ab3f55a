"""The NumPy back-end, the reference: every routine of :mod:`skdl.backend`,
as in-place ufuncs over preallocated buffers, in as few passes as NumPy
allows. Always available; a compiled back-end overrides only what it speeds
up, and every routine it leaves out is this one."""
