/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* tls-handshake: what pgsmtlssrc's full verification costs per connection.
 *
 * For TLS 1.3 and 1.2, against an ECDSA P-256 and an RSA-2048 server (the
 * in-process GnuTLS server of tests/check/tlsserver.c, on loopback, with a
 * PKI made at start), it measures one connection after the other:
 *
 *   pgsmtlssrc   `pgsmtlssrc ! fakesink`, PLAYING -> first buffer -> EOS ->
 *                NULL; the element loads its CA file, connects, shakes
 *                hands and verifies on every start
 *   bare GnuTLS  socket + gnutls client that loads the same CA file, uses
 *                the same priorities, sends SNI, verifies with gnutls_session_set_verify_cert() in the
 *                handshake, reads the payload to close_notify
 *
 * Rounds interleave the two clients and the four servers so that machine
 * load affects them alike. Printed: medians over every connection of
 *   first byte   start of the connection -> first verified payload byte
 *   hs+verify    TCP connect + TLS handshake with certificate verification
 *                (both clients verify inside the handshake)
 *   conn/s       full connections per second (1 / median cycle time)
 * and the minimum of the first two, least disturbed by other load.
 *
 * Usage: tls-handshake [ROUNDS [CONNECTIONS_PER_ROUND]]   (default 7 20)
 * Run:   meson test -C build --benchmark --verbose tls-handshake
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/gst.h>
#include <glib/gstdio.h>
#include <gnutls/gnutls.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "pki.h"
#include "tlsserver.h"

#define SERVER_NAME "server.test"
/* The same priorities as pgsmtlssrc (PGSM_TLS_PRIORITY in
 * ext/gnutls/pgsmtlsverify.c), so both clients make the same handshake */
#define CLIENT_PRIORITY \
  "NORMAL:%PROFILE_MEDIUM:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:" \
  "-SIGN-RSA-SHA1:-SIGN-ECDSA-SHA1:-SIGN-DSA-SHA1:-SIGN-RSA-MD5:" \
  "-3DES-CBC:-ARCFOUR-128"
#define PAYLOAD "0123456789abcdef"

typedef struct
{
  const gchar *label;
  const gchar *priority;
  PgsmTestKeyType key;
  PgsmTestCert *cert;
  PgsmTestTlsServer *server;
  GArray *el_first, *el_hs, *el_cycle;  /* gdouble, ms */
  GArray *gt_first, *gt_hs, *gt_cycle;
  GArray *el_connect, *el_handshake, *el_verify, *gt_connect, *gt_handshake;
} Config;

static const gchar *ca_file;

static gdouble
now_ms (void)
{
  return g_get_monotonic_time () / 1000.0;
}

static gint
cmp_double (gconstpointer a, gconstpointer b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;

  return x < y ? -1 : x > y;
}

/* Call after median(), which sorts */
static gdouble
minimum (GArray * a)
{
  return a->len ? g_array_index (a, gdouble, 0) : 0;
}

static gdouble
median (GArray * a)
{
  g_array_sort (a, cmp_double);
  if (a->len == 0)
    return 0;
  if (a->len % 2)
    return g_array_index (a, gdouble, a->len / 2);
  return (g_array_index (a, gdouble, a->len / 2 - 1) +
      g_array_index (a, gdouble, a->len / 2)) / 2;
}

/* ------------------------------------------------------------------------ */
/* pgsmtlssrc                                                               */

typedef struct
{
  GstElement *pipeline;
  GstElement *src;
  GstBus *bus;
  gdouble first;                /* ms, written by the streaming thread */
  GMutex lock;
} ElementClient;

static void
handoff_cb (GstElement * sink, GstBuffer * buf, GstPad * pad, gpointer data)
{
  ElementClient *ec = data;

  g_mutex_lock (&ec->lock);
  if (ec->first == 0)
    ec->first = now_ms ();
  g_mutex_unlock (&ec->lock);
}

static ElementClient *
element_client_new (void)
{
  ElementClient *ec = g_new0 (ElementClient, 1);
  GstElement *sink;

  g_mutex_init (&ec->lock);
  ec->pipeline = gst_pipeline_new (NULL);
  ec->src = gst_element_factory_make ("pgsmtlssrc", NULL);
  if (ec->src == NULL)
    g_error ("pgsmtlssrc not found: run with the build tree's plugin path");
  sink = gst_element_factory_make ("fakesink", NULL);
  g_object_set (sink, "sync", FALSE, "signal-handoffs", TRUE, NULL);
  g_signal_connect (sink, "handoff", G_CALLBACK (handoff_cb), ec);
  gst_bin_add_many (GST_BIN (ec->pipeline), ec->src, sink, NULL);
  gst_element_link (ec->src, sink);
  g_object_set (ec->src, "host", "127.0.0.1", "server-name", SERVER_NAME,
      "use-system-ca", FALSE, "ca-file", ca_file, "timeout", 10, NULL);
  ec->bus = gst_element_get_bus (ec->pipeline);
  return ec;
}

static void
element_client_free (ElementClient * ec)
{
  gst_element_set_state (ec->pipeline, GST_STATE_NULL);
  gst_object_unref (ec->bus);
  gst_object_unref (ec->pipeline);
  g_mutex_clear (&ec->lock);
  g_free (ec);
}

static void
element_connect (ElementClient * ec, Config * c)
{
  GstMessage *msg;
  GstStructure *stats = NULL;
  guint64 connect_ns = 0, hs_ns = 0, verify_ns = 0;
  gdouble t0, t_end, first, v;

  g_object_set (ec->src, "port",
      (guint) pgsm_test_tls_server_get_port (c->server), NULL);
  ec->first = 0;

  t0 = now_ms ();
  gst_element_set_state (ec->pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (ec->bus, 20 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  if (msg == NULL || GST_MESSAGE_TYPE (msg) != GST_MESSAGE_EOS)
    g_error ("%s: pgsmtlssrc did not reach EOS", c->label);
  gst_message_unref (msg);
  gst_element_set_state (ec->pipeline, GST_STATE_NULL);
  t_end = now_ms ();

  g_mutex_lock (&ec->lock);
  first = ec->first;
  g_mutex_unlock (&ec->lock);

  g_object_get (ec->src, "stats", &stats, NULL);
  gst_structure_get_uint64 (stats, "connect-time", &connect_ns);
  gst_structure_get_uint64 (stats, "handshake-time", &hs_ns);
  gst_structure_get_uint64 (stats, "verify-time", &verify_ns);
  gst_structure_free (stats);

  v = first - t0;
  g_array_append_val (c->el_first, v);
  /* The element verifies inside its handshake, as the bare client does */
  v = (connect_ns + hs_ns) / 1e6;
  g_array_append_val (c->el_hs, v);
  v = connect_ns / 1e6;
  g_array_append_val (c->el_connect, v);
  v = hs_ns / 1e6;
  g_array_append_val (c->el_handshake, v);
  v = verify_ns / 1e6;
  g_array_append_val (c->el_verify, v);
  v = t_end - t0;
  g_array_append_val (c->el_cycle, v);
}

/* ------------------------------------------------------------------------ */
/* Bare GnuTLS client                                                       */

static int
tcp_connect (guint16 port)
{
  struct sockaddr_in sin = { 0, };
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;

  sin.sin_family = AF_INET;
  sin.sin_port = htons (port);
  sin.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  if (fd < 0 || connect (fd, (struct sockaddr *) &sin, sizeof (sin)) < 0)
    g_error ("connect: %s", g_strerror (errno));
  setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof (one));
  return fd;
}

static void
gnutls_connect (Config * c)
{
  gnutls_certificate_credentials_t creds;
  gnutls_session_t session;
  gchar buf[256];
  gdouble t0, t_c, t_tcp, t_hs, t_first = 0, t_end, v;
  ssize_t n;
  int fd, ret;

  t0 = now_ms ();
  /* The same work as the element's start(): load the trust anchors */
  gnutls_certificate_allocate_credentials (&creds);
  if (gnutls_certificate_set_x509_trust_file (creds, ca_file,
          GNUTLS_X509_FMT_PEM) <= 0)
    g_error ("could not load %s", ca_file);
  t_c = now_ms ();
  fd = tcp_connect (pgsm_test_tls_server_get_port (c->server));

  t_tcp = now_ms ();

  gnutls_init (&session, GNUTLS_CLIENT);
  if (gnutls_priority_set_direct (session, CLIENT_PRIORITY, NULL) < 0)
    g_error ("bad priority string");
  gnutls_credentials_set (session, GNUTLS_CRD_CERTIFICATE, creds);
  gnutls_server_name_set (session, GNUTLS_NAME_DNS, SERVER_NAME,
      strlen (SERVER_NAME));
  /* Chain, dates, name: verified during the handshake */
  gnutls_session_set_verify_cert (session, SERVER_NAME, 0);
  gnutls_transport_set_int (session, fd);
  do {
    ret = gnutls_handshake (session);
  } while (ret < 0 && !gnutls_error_is_fatal (ret));
  if (ret < 0)
    g_error ("%s: bare handshake: %s", c->label, gnutls_strerror (ret));
  t_hs = now_ms ();

  while ((n = gnutls_record_recv (session, buf, sizeof (buf))) != 0) {
    if (n < 0 && gnutls_error_is_fatal (n))
      g_error ("%s: bare read: %s", c->label, gnutls_strerror (n));
    if (n > 0 && t_first == 0)
      t_first = now_ms ();
  }
  gnutls_bye (session, GNUTLS_SHUT_WR);
  close (fd);
  gnutls_deinit (session);
  gnutls_certificate_free_credentials (creds);
  t_end = now_ms ();

  v = t_first - t0;
  g_array_append_val (c->gt_first, v);
  v = t_hs - t_c;
  g_array_append_val (c->gt_hs, v);
  v = t_tcp - t_c;
  g_array_append_val (c->gt_connect, v);
  v = t_hs - t_tcp;
  g_array_append_val (c->gt_handshake, v);
  v = t_end - t0;
  g_array_append_val (c->gt_cycle, v);
}

/* ------------------------------------------------------------------------ */

static void
config_setup (Config * c, PgsmTestPki * pki, guint i)
{
  const gchar *dns[] = { SERVER_NAME, NULL };
  PgsmTestCertSpec spec = { 0, };
  PgsmTestTlsServerOptions o = { 0, };
  gchar *name = g_strdup_printf ("bench-%u", i);

  spec.name = name;
  spec.cn = SERVER_NAME;
  spec.dns = dns;
  spec.key = c->key;
  c->cert = pgsm_test_pki_issue (pki, &spec);
  g_free (name);

  o.chain_file = c->cert->chain_file;
  o.key_file = c->cert->key_file;
  o.priority = c->priority;
  o.payload = (const guint8 *) PAYLOAD;
  o.payload_len = strlen (PAYLOAD);
  c->server = pgsm_test_tls_server_new (&o);

  c->el_first = g_array_new (FALSE, FALSE, sizeof (gdouble));
  c->el_hs = g_array_new (FALSE, FALSE, sizeof (gdouble));
  c->el_cycle = g_array_new (FALSE, FALSE, sizeof (gdouble));
  c->gt_first = g_array_new (FALSE, FALSE, sizeof (gdouble));
  c->gt_hs = g_array_new (FALSE, FALSE, sizeof (gdouble));
  c->gt_cycle = g_array_new (FALSE, FALSE, sizeof (gdouble));
  c->el_connect = g_array_new (FALSE, FALSE, sizeof (gdouble));
  c->el_handshake = g_array_new (FALSE, FALSE, sizeof (gdouble));
  c->el_verify = g_array_new (FALSE, FALSE, sizeof (gdouble));
  c->gt_connect = g_array_new (FALSE, FALSE, sizeof (gdouble));
  c->gt_handshake = g_array_new (FALSE, FALSE, sizeof (gdouble));
}

static void
config_clear (Config * c)
{
  pgsm_test_tls_server_free (c->server);
  pgsm_test_cert_free (c->cert);
  g_array_unref (c->el_first);
  g_array_unref (c->el_hs);
  g_array_unref (c->el_cycle);
  g_array_unref (c->gt_first);
  g_array_unref (c->gt_hs);
  g_array_unref (c->gt_cycle);
  g_array_unref (c->el_connect);
  g_array_unref (c->el_handshake);
  g_array_unref (c->el_verify);
  g_array_unref (c->gt_connect);
  g_array_unref (c->gt_handshake);
}

int
main (int argc, char **argv)
{
  Config configs[] = {
    {"TLS1.3 ECDSA-P256", "NORMAL:-VERS-ALL:+VERS-TLS1.3",
        PGSM_TEST_KEY_ECDSA_P256},
    {"TLS1.3 RSA-2048", "NORMAL:-VERS-ALL:+VERS-TLS1.3",
        PGSM_TEST_KEY_RSA_2048},
    {"TLS1.2 ECDSA-P256", "NORMAL:-VERS-ALL:+VERS-TLS1.2",
        PGSM_TEST_KEY_ECDSA_P256},
    {"TLS1.2 RSA-2048", "NORMAL:-VERS-ALL:+VERS-TLS1.2",
        PGSM_TEST_KEY_RSA_2048},
  };
  guint n_configs = G_N_ELEMENTS (configs);
  guint rounds = argc > 1 ? atoi (argv[1]) : 7;
  guint per_round = argc > 2 ? atoi (argv[2]) : 20;
  gchar *dir;
  PgsmTestPki *pki;
  ElementClient *ec;
  guint r, i, k;

  gst_init (&argc, &argv);
  dir = g_dir_make_tmp ("pgsm-tlsbench-XXXXXX", NULL);
  pki = pgsm_test_pki_new (dir);
  ca_file = pki->root_ca_file;
  for (i = 0; i < n_configs; i++)
    config_setup (&configs[i], pki, i);
  ec = element_client_new ();

  /* Warm-up: caches, lazy initialisations, the plugin loading */
  for (i = 0; i < n_configs; i++) {
    element_connect (ec, &configs[i]);
    gnutls_connect (&configs[i]);
    g_array_set_size (configs[i].el_first, 0);
    g_array_set_size (configs[i].el_hs, 0);
    g_array_set_size (configs[i].el_cycle, 0);
    g_array_set_size (configs[i].gt_first, 0);
    g_array_set_size (configs[i].gt_hs, 0);
    g_array_set_size (configs[i].gt_cycle, 0);
    g_array_set_size (configs[i].el_connect, 0);
    g_array_set_size (configs[i].el_handshake, 0);
    g_array_set_size (configs[i].el_verify, 0);
    g_array_set_size (configs[i].gt_connect, 0);
    g_array_set_size (configs[i].gt_handshake, 0);
  }

  for (r = 0; r < rounds; r++) {
    for (i = 0; i < n_configs; i++) {
      /* Alternate which client goes first from round to round */
      for (k = 0; k < per_round; k++) {
        if ((r + k) % 2) {
          element_connect (ec, &configs[i]);
          gnutls_connect (&configs[i]);
        } else {
          gnutls_connect (&configs[i]);
          element_connect (ec, &configs[i]);
        }
      }
    }
  }

  g_print ("GnuTLS %s, %u rounds x %u connections per client and server, "
      "medians, ms\n\n", gnutls_check_version (NULL), rounds, per_round);
  g_print ("%-18s | %-27s | %-27s | %-19s\n", "", "first verified byte",
      "connect+handshake+verify", "connections/s");
  g_print ("%-18s | %8s %8s %8s | %8s %8s %8s | %8s %8s\n", "server",
      "element", "bare", "ratio", "element", "bare", "ratio", "element",
      "bare");
  for (i = 0; i < n_configs; i++) {
    Config *c = &configs[i];
    gdouble ef = median (c->el_first), gf = median (c->gt_first);
    gdouble eh = median (c->el_hs), gh = median (c->gt_hs);
    gdouble ecy = median (c->el_cycle), gcy = median (c->gt_cycle);

    g_print ("%-18s | %8.3f %8.3f %7.2fx | %8.3f %8.3f %7.2fx | %8.0f %8.0f\n",
        c->label, ef, gf, ef / gf, eh, gh, eh / gh, 1000.0 / ecy, 1000.0 / gcy);
  }

  g_print ("\nBreakdown (medians, ms): TCP connect | TLS handshake with "
      "verification | the verification alone\n");
  g_print ("%-18s | %8s %8s | %8s %8s | %8s\n", "server", "element", "bare",
      "element", "bare", "element");
  for (i = 0; i < n_configs; i++) {
    Config *c = &configs[i];

    g_print ("%-18s | %8.3f %8.3f | %8.3f %8.3f | %8.3f\n", c->label,
        median (c->el_connect), median (c->gt_connect),
        median (c->el_handshake), median (c->gt_handshake),
        median (c->el_verify));
  }

  g_print ("\nBest of all connections (minimum, ms; the least disturbed "
      "by other load)\n");
  g_print ("%-18s | %8s %8s %8s | %8s %8s %8s\n", "server", "element",
      "bare", "ratio", "element", "bare", "ratio");
  for (i = 0; i < n_configs; i++) {
    Config *c = &configs[i];
    gdouble ef, gf, eh, gh;

    median (c->el_first);
    median (c->gt_first);
    median (c->el_hs);
    median (c->gt_hs);
    ef = minimum (c->el_first);
    gf = minimum (c->gt_first);
    eh = minimum (c->el_hs);
    gh = minimum (c->gt_hs);
    g_print ("%-18s | %8.3f %8.3f %7.2fx | %8.3f %8.3f %7.2fx\n", c->label,
        ef, gf, ef / gf, eh, gh, eh / gh);
  }

  element_client_free (ec);
  for (i = 0; i < n_configs; i++)
    config_clear (&configs[i]);
  pgsm_test_pki_free (pki);
  g_rmdir (dir);
  g_free (dir);
  return 0;
}
