"""localcloud: a loopback emulation of the OCI APIs this project calls, plus the event router
and function runner that make it event-driven like OCI. The real `oci` SDK talks to it over HTTP."""
