/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* An in-process TLS server for the tests: a GnuTLS server in its own thread,
 * listening on a loopback address with a port the kernel picks. It serves
 * the connections one after the other, each the way its options say, until
 * it is freed. Every wait is bounded (10 s per I/O step) and freeing it
 * wakes the thread at once, whatever it is doing.
 *
 *   PgsmTestTlsServerOptions o = { .chain_file = c->chain_file,
 *     .key_file = c->key_file, .payload = (guint8 *) "hello",
 *     .payload_len = 5 };
 *   PgsmTestTlsServer *s = pgsm_test_tls_server_new (&o);
 *   ... connect to 127.0.0.1:pgsm_test_tls_server_get_port (s) ...
 *   pgsm_test_tls_server_free (s);
 */

#ifndef __PGSM_TEST_TLS_SERVER_H__
#define __PGSM_TEST_TLS_SERVER_H__

#include <glib.h>
#include <gnutls/gnutls.h>

G_BEGIN_DECLS

typedef enum
{
  /* Handshake, send the payload, then close_notify */
  PGSM_TEST_TLS_SERVER_SERVE = 0,
  /* Handshake, send the payload, then end TCP without close_notify */
  PGSM_TEST_TLS_SERVER_TRUNCATE,
  /* Accept TCP and never answer (a stalled handshake) */
  PGSM_TEST_TLS_SERVER_STALL,
  /* Handshake, then call the handler with the session */
  PGSM_TEST_TLS_SERVER_HANDLER,
} PgsmTestTlsServerMode;

typedef struct _PgsmTestTlsServer PgsmTestTlsServer;

/* Called in the server thread once a handshake completed, in HANDLER mode.
 * The session is closed with close_notify when it returns. */
typedef void (*PgsmTestTlsServerHandler) (PgsmTestTlsServer * server,
    gnutls_session_t session, gpointer user_data);

/* Zero-initialise and set what you need. */
typedef struct
{
  const gchar *chain_file;      /* PEM: leaf then intermediates (required
                                 * except in STALL mode) */
  const gchar *key_file;        /* PEM: the leaf's key */
  const gchar *priority;        /* GnuTLS priority string, NULL = "NORMAL";
                                 * e.g. "NORMAL:-VERS-ALL:+VERS-TLS1.1" */
  const gchar *address;         /* address to listen on, NULL = 127.0.0.1 */
  const guint8 *payload;        /* bytes to send (copied) */
  gsize payload_len;
  PgsmTestTlsServerMode mode;
  gboolean request_client_cert; /* ask the client for a certificate (it is
                                 * recorded, not verified) */
  PgsmTestTlsServerHandler handler;
  gpointer user_data;
} PgsmTestTlsServerOptions;

/* Starts listening and the thread. Aborts the test on failure. */
PgsmTestTlsServer *pgsm_test_tls_server_new (const PgsmTestTlsServerOptions *
    options);

/* Stops the thread (closing any connection) and frees the server. */
void pgsm_test_tls_server_free (PgsmTestTlsServer * server);

guint16 pgsm_test_tls_server_get_port (PgsmTestTlsServer * server);

/* TCP connections accepted so far. */
guint pgsm_test_tls_server_get_connections (PgsmTestTlsServer * server);

/* Handshakes completed so far. */
guint pgsm_test_tls_server_get_handshakes (PgsmTestTlsServer * server);

/* Connections fully served (payload sent and connection closed). */
guint pgsm_test_tls_server_get_served (PgsmTestTlsServer * server);

/* Whether the last client that completed a handshake sent a certificate. */
gboolean pgsm_test_tls_server_client_sent_certificate (PgsmTestTlsServer *
    server);

/* Waits until get_connections() reaches @n; FALSE after @timeout_ms. */
gboolean pgsm_test_tls_server_wait_connections (PgsmTestTlsServer * server,
    guint n, guint timeout_ms);

G_END_DECLS

#endif /* __PGSM_TEST_TLS_SERVER_H__ */
