/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* pgsmtlssrc against broken servers: the faults that pgsmtlssrc.c does not
 * already cover (it has: connection refused, DNS failure, stalled handshake
 * with `timeout`, unlock of a stalled handshake, TCP closed mid-stream
 * without close_notify). Here:
 *
 *   - TCP reset (RST) in the middle of the handshake
 *   - TCP closed (FIN) in the middle of the handshake
 *   - the server answers the ClientHello with plain text (an HTTP error)
 *   - the server answers with random bytes
 *   - the server stalls after the handshake, mid-stream (read `timeout`)
 *   - close_notify right after the handshake, no data: EOS, no error
 *
 * Each failure must be an ordinary error of the documented domain, code and
 * text (docs/pgsmtlssrc.md), never the certificate warning, never a
 * certificate flag, and must come within a bounded time. Servers listen on
 * 127.0.0.1 with a port the kernel picks. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/pgsm/pgsm.h>
#include <glib/gstdio.h>
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "pki.h"
#include "tlsserver.h"

#define WARNING_TEXT "You are attempting to open a secure connection, but " \
  "the server's certificate is not trusted. Please contact your system " \
  "administrator"
#define SERVER_NAME "server.test"
#define PAYLOAD "first part of the stream\n"
#define WAIT_TIMEOUT (30 * GST_SECOND)

static gchar *pki_dir;
static PgsmTestPki *pki;
static PgsmTestCert *cert;

static void
pki_setup (void)
{
  pki_dir = g_dir_make_tmp ("pgsm-tlsfaults-XXXXXX", NULL);
  fail_unless (pki_dir != NULL);
  pki = pgsm_test_pki_new (pki_dir);
  cert = pgsm_test_pki_issue_server (pki, "faults", SERVER_NAME);
}

static void
pki_teardown (void)
{
  g_clear_pointer (&cert, pgsm_test_cert_free);
  g_clear_pointer (&pki, pgsm_test_pki_free);
  g_rmdir (pki_dir);
  g_clear_pointer (&pki_dir, g_free);
}

/* ------------------------------------------------------------------------ */
/* A raw TCP server that misbehaves before any TLS                          */

typedef enum
{
  RAW_RESET,                    /* read the ClientHello, then RST */
  RAW_CLOSE,                    /* read the ClientHello, then FIN */
  RAW_HTTP,                     /* answer with an HTTP error, then FIN */
  RAW_RANDOM,                   /* answer with random bytes, then FIN */
} RawMode;

typedef struct
{
  int listen_fd;
  guint16 port;
  RawMode mode;
  GThread *thread;
  gint hello_bytes;             /* atomic: bytes read from the client */
} RawServer;

/* Waits up to 10 s for @fd to become readable */
static gboolean
wait_readable (int fd)
{
  struct pollfd p = { fd, POLLIN, 0 };

  return poll (&p, 1, 10000) == 1;
}

static gpointer
raw_server_thread (gpointer data)
{
  RawServer *s = data;
  guint8 buf[4096];
  ssize_t n;
  int fd;

  if (!wait_readable (s->listen_fd))
    return NULL;
  fd = accept (s->listen_fd, NULL, NULL);
  if (fd < 0)
    return NULL;
  /* the whole ClientHello (a few hundred bytes, one segment on loopback) */
  if (wait_readable (fd) && (n = read (fd, buf, sizeof (buf))) > 0)
    g_atomic_int_set (&s->hello_bytes, n);

  switch (s->mode) {
    case RAW_RESET:{
      struct linger l = { 1, 0 };

      /* close with a zero linger time sends RST instead of FIN */
      setsockopt (fd, SOL_SOCKET, SO_LINGER, &l, sizeof (l));
      break;
    }
    case RAW_CLOSE:
      break;
    case RAW_HTTP:{
      static const gchar reply[] = "HTTP/1.1 400 Bad Request\r\n"
          "Content-Type: text/plain\r\nContent-Length: 11\r\n\r\nBad request";

      if (write (fd, reply, strlen (reply)) < 0)
        GST_WARNING ("write: %s", g_strerror (errno));
      break;
    }
    case RAW_RANDOM:{
      GRand *r = g_rand_new_with_seed (4568);
      guint i;

      for (i = 0; i < sizeof (buf); i++)
        buf[i] = g_rand_int (r);
      /* not a TLS content type, so the client cannot wait for more */
      buf[0] = 0x99;
      g_rand_free (r);
      if (write (fd, buf, sizeof (buf)) < 0)
        GST_WARNING ("write: %s", g_strerror (errno));
      break;
    }
  }
  if (s->mode != RAW_RESET) {
    /* let the client see our bytes and end first: wait for its FIN (or
     * 10 s) before closing, so the result does not race the kernel */
    shutdown (fd, SHUT_WR);
    while (wait_readable (fd) && read (fd, buf, sizeof (buf)) > 0);
  }
  close (fd);
  return NULL;
}

static RawServer *
raw_server_new (RawMode mode)
{
  RawServer *s = g_new0 (RawServer, 1);
  struct sockaddr_in sa = { 0, };
  socklen_t len = sizeof (sa);

  s->mode = mode;
  s->listen_fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  fail_unless (s->listen_fd >= 0);
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  fail_unless (bind (s->listen_fd, (struct sockaddr *) &sa, sizeof (sa)) == 0);
  fail_unless (listen (s->listen_fd, 4) == 0);
  fail_unless (getsockname (s->listen_fd, (struct sockaddr *) &sa, &len) == 0);
  s->port = ntohs (sa.sin_port);
  s->thread = g_thread_new ("raw-server", raw_server_thread, s);
  return s;
}

static void
raw_server_free (RawServer * s)
{
  /* the thread ends by itself: every wait is bounded */
  g_thread_join (s->thread);
  close (s->listen_fd);
  g_free (s);
}

/* ------------------------------------------------------------------------ */
/* The pipeline                                                             */

typedef struct
{
  GstElement *pipeline;
  GstElement *src;
  GstBus *bus;
  GByteArray *data;
  GMutex lock;
} Run;

static void
handoff_cb (GstElement * sink, GstBuffer * buf, GstPad * pad, gpointer data)
{
  Run *run = data;
  GstMapInfo map;

  gst_buffer_map (buf, &map, GST_MAP_READ);
  g_mutex_lock (&run->lock);
  g_byte_array_append (run->data, map.data, map.size);
  g_mutex_unlock (&run->lock);
  gst_buffer_unmap (buf, &map);
}

static Run *
run_new (guint16 port, guint timeout)
{
  Run *run = g_new0 (Run, 1);
  GstElement *sink;

  g_mutex_init (&run->lock);
  run->data = g_byte_array_new ();
  run->pipeline = gst_pipeline_new (NULL);
  run->src = gst_element_factory_make ("pgsmtlssrc", NULL);
  fail_unless (run->src != NULL);
  sink = gst_element_factory_make ("fakesink", NULL);
  g_object_set (sink, "sync", FALSE, "signal-handoffs", TRUE, NULL);
  g_signal_connect (sink, "handoff", G_CALLBACK (handoff_cb), run);
  gst_bin_add_many (GST_BIN (run->pipeline), run->src, sink, NULL);
  fail_unless (gst_element_link (run->src, sink));
  g_object_set (run->src, "host", "127.0.0.1", "port", (guint) port,
      "server-name", SERVER_NAME, "use-system-ca", FALSE,
      "ca-file", pki->root_ca_file, "timeout", timeout, NULL);
  run->bus = gst_element_get_bus (run->pipeline);
  return run;
}

static void
run_free (Run * run)
{
  gst_element_set_state (run->pipeline, GST_STATE_NULL);
  gst_object_unref (run->bus);
  gst_object_unref (run->pipeline);
  g_byte_array_unref (run->data);
  g_mutex_clear (&run->lock);
  g_free (run);
}

static GstMessage *
run_until_done (Run * run)
{
  GstMessage *msg;

  fail_if (gst_element_set_state (run->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_timed_pop_filtered (run->bus, WAIT_TIMEOUT,
      GST_MESSAGE_ERROR | GST_MESSAGE_EOS);
  fail_unless (msg != NULL, "no ERROR or EOS within the time limit");
  return msg;
}

/* The error is @domain/@code with the text @text, and nothing about it
 * says "certificate": not the warning, not the project's certificate code,
 * no verdict flags in the details, no verification-flags on the element */
static void
assert_plain_error (Run * run, GstMessage * msg, GQuark domain, gint code,
    const gchar * text)
{
  GError *err = NULL;
  gchar *debug = NULL;
  const GstStructure *details = NULL;
  guint flags = 0;

  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_ERROR);
  gst_message_parse_error (msg, &err, &debug);
  GST_INFO ("error as expected: %s (%s)", err->message, debug);
  fail_unless (g_error_matches (err, domain, code),
      "wrong error %s:%d: %s (%s)", g_quark_to_string (err->domain),
      err->code, err->message, debug);
  fail_unless_equals_string (err->message, text);
  fail_if (g_str_equal (err->message, WARNING_TEXT));
  fail_if (g_error_matches (err, PGSM_TLS_ERROR,
          PGSM_TLS_ERROR_CERTIFICATE_NOT_TRUSTED));
  gst_message_parse_error_details (msg, &details);
  fail_if (details && gst_structure_has_field (details, "flags"),
      "certificate details on a network error: %" GST_PTR_FORMAT, details);
  g_object_get (run->src, "verification-flags", &flags, NULL);
  fail_unless_equals_int (flags, 0);
  /* the debug string says where: host and port */
  fail_unless (debug != NULL && strstr (debug, "127.0.0.1") != NULL, "%s",
      debug);
  g_error_free (err);
  g_free (debug);
}

static void
assert_no_data (Run * run)
{
  g_mutex_lock (&run->lock);
  fail_unless_equals_int (run->data->len, 0);
  g_mutex_unlock (&run->lock);
}

/* ------------------------------------------------------------------------ */
/* Before or during the handshake                                           */

static void
expect_raw_fault (RawMode mode, GQuark domain, gint code, const gchar * text)
{
  RawServer *server = raw_server_new (mode);
  Run *run = run_new (server->port, 10);
  GstMessage *msg;
  gint64 t0 = g_get_monotonic_time ();

  msg = run_until_done (run);
  assert_plain_error (run, msg, domain, code, text);
  /* the fault itself ends the wait, not our 10 s timeout */
  fail_unless (g_get_monotonic_time () - t0 < 8 * G_USEC_PER_SEC);
  fail_unless (g_atomic_int_get (&server->hello_bytes) > 0);
  gst_message_unref (msg);
  assert_no_data (run);
  run_free (run);
  raw_server_free (server);
}

GST_START_TEST (test_reset_mid_handshake)
{
  expect_raw_fault (RAW_RESET, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ,
      "The connection to the server was lost.");
}

GST_END_TEST;

/* A FIN in the middle of the handshake reaches GnuTLS as an end of file,
 * not as a socket error: pgsmtlssrc reports it as a failed handshake
 * (docs/pgsmtlssrc.md lists "TCP lost during the handshake" as
 * RESOURCE/READ; see docs/hardening.md) */
GST_START_TEST (test_closed_mid_handshake)
{
  expect_raw_fault (RAW_CLOSE, PGSM_TLS_ERROR, PGSM_TLS_ERROR_HANDSHAKE,
      "Could not set up a secure connection with the server.");
}

GST_END_TEST;

GST_START_TEST (test_http_instead_of_tls)
{
  expect_raw_fault (RAW_HTTP, PGSM_TLS_ERROR, PGSM_TLS_ERROR_HANDSHAKE,
      "Could not set up a secure connection with the server.");
}

GST_END_TEST;

GST_START_TEST (test_random_bytes_instead_of_tls)
{
  expect_raw_fault (RAW_RANDOM, PGSM_TLS_ERROR, PGSM_TLS_ERROR_HANDSHAKE,
      "Could not set up a secure connection with the server.");
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* After the handshake                                                      */

typedef struct
{
  GMutex lock;
  GCond cond;
  gboolean release;
} Handler;

/* Server thread: sends the first part, then nothing until the test
 * releases it (at most 10 s) */
static void
stall_handler (PgsmTestTlsServer * server, gnutls_session_t session,
    gpointer user_data)
{
  Handler *h = user_data;
  gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  gnutls_record_send (session, PAYLOAD, strlen (PAYLOAD));
  g_mutex_lock (&h->lock);
  while (!h->release && g_cond_wait_until (&h->cond, &h->lock, end));
  g_mutex_unlock (&h->lock);
}

static void
empty_handler (PgsmTestTlsServer * server, gnutls_session_t session,
    gpointer user_data)
{
  /* nothing: the server sends close_notify when this returns */
}

static PgsmTestTlsServer *
handler_server_new (PgsmTestTlsServerHandler func, gpointer data)
{
  PgsmTestTlsServerOptions o = { 0, };

  o.chain_file = cert->chain_file;
  o.key_file = cert->key_file;
  o.mode = PGSM_TEST_TLS_SERVER_HANDLER;
  o.handler = func;
  o.user_data = data;
  return pgsm_test_tls_server_new (&o);
}

static void
release (Handler * h)
{
  g_mutex_lock (&h->lock);
  h->release = TRUE;
  g_cond_signal (&h->cond);
  g_mutex_unlock (&h->lock);
}

static void
assert_first_part (Run * run)
{
  g_mutex_lock (&run->lock);
  fail_unless_equals_int (run->data->len, strlen (PAYLOAD));
  fail_unless (memcmp (run->data->data, PAYLOAD, strlen (PAYLOAD)) == 0);
  g_mutex_unlock (&run->lock);
}

GST_START_TEST (test_stall_mid_stream)
{
  Handler h = { 0, };
  PgsmTestTlsServer *server;
  Run *run;
  GstMessage *msg;
  gint64 t0;

  g_mutex_init (&h.lock);
  g_cond_init (&h.cond);
  server = handler_server_new (stall_handler, &h);
  run = run_new (pgsm_test_tls_server_get_port (server), 1);
  t0 = g_get_monotonic_time ();
  msg = run_until_done (run);
  assert_plain_error (run, msg, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ,
      "Timed out waiting for data from the server.");
  /* the 1 s timeout fired, with room for a loaded machine */
  fail_unless (g_get_monotonic_time () - t0 >= G_USEC_PER_SEC / 2);
  fail_unless (g_get_monotonic_time () - t0 < 9 * G_USEC_PER_SEC);
  gst_message_unref (msg);
  assert_first_part (run);
  run_free (run);
  release (&h);
  pgsm_test_tls_server_free (server);
  g_mutex_clear (&h.lock);
  g_cond_clear (&h.cond);
}

GST_END_TEST;

GST_START_TEST (test_close_notify_without_data)
{
  PgsmTestTlsServer *server = handler_server_new (empty_handler, NULL);
  Run *run = run_new (pgsm_test_tls_server_get_port (server), 10);
  GstMessage *msg;

  msg = run_until_done (run);
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    GError *err = NULL;
    gchar *debug = NULL;

    gst_message_parse_error (msg, &err, &debug);
    fail ("expected EOS, got error: %s (%s)", err->message, debug);
  }
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_EOS);
  gst_message_unref (msg);
  assert_no_data (run);
  run_free (run);
  pgsm_test_tls_server_free (server);
}

GST_END_TEST;

static Suite *
pgsmtlssrcfaults_suite (void)
{
  Suite *s = suite_create ("pgsmtlssrcfaults");
  TCase *tc = tcase_create ("faults");

  tcase_add_checked_fixture (tc, pki_setup, pki_teardown);
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_reset_mid_handshake);
  tcase_add_test (tc, test_closed_mid_handshake);
  tcase_add_test (tc, test_http_instead_of_tls);
  tcase_add_test (tc, test_random_bytes_instead_of_tls);
  tcase_add_test (tc, test_stall_mid_stream);
  tcase_add_test (tc, test_close_notify_without_data);
  suite_add_tcase (s, tc);
  return s;
}

GST_CHECK_MAIN (pgsmtlssrcfaults);
