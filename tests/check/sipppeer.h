/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* A SIP peer we did not write, for the tests: sipp (Debian's sip-tester,
 * built without TLS) running a scenario of tests/sipp/ on TCP, with
 * stunnel4 in front of it for TLS, on loopback:
 *
 *   - UAS: our bin -> TLS -> stunnel (server, a certificate of the test
 *     PKI for 127.0.0.1) -> TCP -> sipp;
 *   - UAC: sipp -> TCP -> stunnel (client) -> TLS -> our listening bin.
 *
 * Both programs are started with g_spawn and stopped by PID; the test
 * fails when they cannot start. Scenario values are passed with sipp's
 * `-key name value` ([name] in the scenario). */

#ifndef __PGSM_TEST_SIPP_PEER_H__
#define __PGSM_TEST_SIPP_PEER_H__

#include <glib.h>
#include "pki.h"

G_BEGIN_DECLS

typedef struct
{
  gchar *dir;                   /* stunnel.conf */
  guint tls_port;               /* UAS: where our bin connects (stunnel) */
  guint tcp_port;               /* sipp's TCP port (UAS) or stunnel's
                                 * plain side (UAC) */
  GPid sipp;
  GPid stunnel;
} PgsmSippPeer;

/* TRUE when sipp and stunnel4 are installed (else a warning is logged) */
gboolean pgsm_sipp_available (void);

/* Picks the peer's ports (as the first start does) without starting it:
 * for a test where the peer comes later */
void pgsm_sipp_peer_reserve (PgsmSippPeer * peer);

/* Starts a UAS: sipp with @scenario (a file name in tests/sipp) behind a
 * stunnel server with a certificate of @pki for 127.0.0.1. Ports are
 * picked the first time and kept when the peer is started again (a
 * registrar coming back). @keys: NULL-terminated name, value pairs; the
 * key tlsport is added. Returns once stunnel accepts connections. */
void pgsm_sipp_peer_start_uas (PgsmSippPeer * peer, PgsmTestPki * pki,
    const gchar * scenario, const gchar * const *keys);

/* Starts a UAC: sipp with @scenario sending to a stunnel client that
 * connects with TLS to 127.0.0.1:@target_port (our bin). The key
 * target_port is added. */
void pgsm_sipp_peer_start_uac (PgsmSippPeer * peer, const gchar * scenario,
    guint target_port, const gchar * const *keys);

/* Waits up to @seconds for sipp to end its scenario: its exit status (0:
 * every call of the scenario went as written), or -1 when it is still
 * running */
gint pgsm_sipp_peer_wait (PgsmSippPeer * peer, guint seconds);

/* Stops what still runs; the ports are kept for a new start */
void pgsm_sipp_peer_stop (PgsmSippPeer * peer);

/* Stops and frees everything */
void pgsm_sipp_peer_clear (PgsmSippPeer * peer);

G_END_DECLS

#endif /* __PGSM_TEST_SIPP_PEER_H__ */
