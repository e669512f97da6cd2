/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* pgsmtlssrc against real TLS servers on loopback: the in-process GnuTLS
 * server of tlsserver.c and an external gnutls-serv, with a PKI generated
 * when the test runs (pki.c). */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/pgsm/pgsm.h>
#include <glib/gstdio.h>
#include <gio/gio.h>
#include <signal.h>
#include <sys/wait.h>

#include "pki.h"
#include "tlsserver.h"

/* The text, written out here rather than taken from the header, so that a
 * change of the header is caught */
#define WARNING_TEXT "You are attempting to open a secure connection, but " \
  "the server's certificate is not trusted. Please contact your system " \
  "administrator"

#define PAYLOAD "pgsmtlssrc test payload: hello over TLS\n"
#define SERVER_NAME "server.test"
#define WAIT_TIMEOUT (30 * GST_SECOND)

static gchar *pki_dir;
static PgsmTestPki *pki;

static void
pki_setup (void)
{
  pki_dir = g_dir_make_tmp ("pgsm-tlssrc-XXXXXX", NULL);
  fail_unless (pki_dir != NULL);
  pki = pgsm_test_pki_new (pki_dir);
}

static void
pki_teardown (void)
{
  g_clear_pointer (&pki, pgsm_test_pki_free);
  g_rmdir (pki_dir);
  g_clear_pointer (&pki_dir, g_free);
}

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */

typedef struct
{
  GstElement *pipeline;
  GstElement *src;
  GstElement *sink;
  GstBus *bus;
  gint buffers;                 /* atomic: buffers that left the source */
  GByteArray *data;             /* what reached the sink */
  GMutex lock;
} Run;

static GstPadProbeReturn
count_buffers_cb (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  Run *run = user_data;

  g_atomic_int_inc (&run->buffers);
  return GST_PAD_PROBE_OK;
}

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

/* pgsmtlssrc ! fakesink, with the source trusting our private root only
 * and dialling 127.0.0.1:@port as SERVER_NAME */
static Run *
run_new (guint16 port)
{
  Run *run = g_new0 (Run, 1);
  GstPad *pad;

  g_mutex_init (&run->lock);
  run->data = g_byte_array_new ();
  run->pipeline = gst_pipeline_new (NULL);
  run->src = gst_element_factory_make ("pgsmtlssrc", NULL);
  fail_unless (run->src != NULL);
  run->sink = gst_element_factory_make ("fakesink", NULL);
  g_object_set (run->sink, "sync", FALSE, "signal-handoffs", TRUE, NULL);
  g_signal_connect (run->sink, "handoff", G_CALLBACK (handoff_cb), run);
  gst_bin_add_many (GST_BIN (run->pipeline), run->src, run->sink, NULL);
  fail_unless (gst_element_link (run->src, run->sink));

  g_object_set (run->src, "host", "127.0.0.1", "port", (guint) port,
      "server-name", SERVER_NAME, "use-system-ca", FALSE,
      "ca-file", pki->root_ca_file, NULL);

  pad = gst_element_get_static_pad (run->src, "src");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, count_buffers_cb, run,
      NULL);
  gst_object_unref (pad);
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

/* Plays the pipeline and returns the first ERROR or EOS (never NULL) */
static GstMessage *
run_until_done (Run * run)
{
  GstMessage *msg;

  fail_if (gst_element_set_state (run->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE, "state change failed synchronously");
  msg = gst_bus_timed_pop_filtered (run->bus, WAIT_TIMEOUT,
      GST_MESSAGE_ERROR | GST_MESSAGE_EOS);
  fail_unless (msg != NULL, "no ERROR or EOS within the time limit");
  return msg;
}

static void
assert_eos (GstMessage * msg)
{
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    GError *err = NULL;
    gchar *debug = NULL;

    gst_message_parse_error (msg, &err, &debug);
    fail ("expected EOS, got error: %s (%s)", err->message, debug);
  }
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_EOS);
}

/* Checks every part of the certificate ERROR. @cert: the certificate the
 * server presented, or NULL when none can be (protocol failure). */
static void
assert_certificate_error (Run * run, GstMessage * msg,
    PgsmCertificateFlags flag, guint16 port, const PgsmTestCert * cert)
{
  GError *err = NULL;
  gchar *debug = NULL;
  const GstStructure *details = NULL;
  PgsmCertificateFlags flags = 0, prop_flags = 0;
  const gchar *s;
  guint uport = 0;

  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_ERROR);
  fail_unless (GST_MESSAGE_SRC (msg) == GST_OBJECT (run->src));
  gst_message_parse_error (msg, &err, &debug);
  GST_INFO ("refused as expected: %s", debug);
  fail_unless (g_error_matches (err, PGSM_TLS_ERROR,
          PGSM_TLS_ERROR_CERTIFICATE_NOT_TRUSTED), "wrong error %s:%d: %s",
      g_quark_to_string (err->domain), err->code, err->message);
  fail_unless_equals_string (err->message, WARNING_TEXT);
  fail_unless_equals_string (g_quark_to_string (err->domain),
      "pgsm-tls-error-quark");
  fail_unless (debug != NULL && *debug != '\0');

  gst_message_parse_error_details (msg, &details);
  fail_unless (details != NULL);
  fail_unless (gst_structure_has_name (details, PGSM_CERTIFICATE_DETAILS_NAME));
  fail_unless (gst_structure_get_flags (details, "flags",
          PGSM_TYPE_CERTIFICATE_FLAGS, (guint *) & flags));
  fail_unless ((flags & flag) == flag, "flag 0x%x missing from 0x%x (%s)",
      flag, flags, debug);
  fail_unless_equals_string (gst_structure_get_string (details, "host"),
      "127.0.0.1");
  fail_unless (gst_structure_get_uint (details, "port", &uport));
  fail_unless_equals_int (uport, port);
  fail_unless (gst_structure_get_string (details, "reasons") != NULL);

  s = gst_structure_get_string (details, "certificate-pem");
  if (cert) {
    fail_unless (s != NULL);
    fail_unless_equals_string (s, cert->cert_pem);
    fail_unless_equals_string (gst_structure_get_string (details,
            "certificate-sha256"), cert->sha256);
  } else {
    fail_unless (s == NULL);
  }

  /* Not one byte from that server downstream */
  fail_unless_equals_int (g_atomic_int_get (&run->buffers), 0);
  fail_unless_equals_int (run->data->len, 0);

  g_object_get (run->src, "verification-flags", &prop_flags, NULL);
  fail_unless_equals_int (prop_flags, flags);

  g_error_free (err);
  g_free (debug);
}

/* Checks a RESOURCE (or other ordinary) error: domain, code and text, and
 * that it is not the certificate warning */
static void
assert_error (GstMessage * msg, GQuark domain, gint code, const gchar * text)
{
  GError *err = NULL;
  gchar *debug = NULL;

  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_ERROR);
  gst_message_parse_error (msg, &err, &debug);
  GST_INFO ("error as expected: %s (%s)", err->message, debug);
  fail_unless (g_error_matches (err, domain, code),
      "wrong error %s:%d: %s (%s)", g_quark_to_string (err->domain), err->code,
      err->message, debug);
  fail_unless_equals_string (err->message, text);
  fail_if (g_str_equal (err->message, WARNING_TEXT));
  g_error_free (err);
  g_free (debug);
}

static PgsmTestTlsServer *
server_new (const PgsmTestCert * cert, PgsmTestTlsServerMode mode)
{
  PgsmTestTlsServerOptions o = { 0, };

  o.chain_file = cert ? cert->chain_file : NULL;
  o.key_file = cert ? cert->key_file : NULL;
  o.payload = (const guint8 *) PAYLOAD;
  o.payload_len = strlen (PAYLOAD);
  o.mode = mode;
  return pgsm_test_tls_server_new (&o);
}

static void
assert_payload (Run * run)
{
  fail_unless_equals_int (run->data->len, strlen (PAYLOAD));
  fail_unless (memcmp (run->data->data, PAYLOAD, strlen (PAYLOAD)) == 0);
  fail_unless (g_atomic_int_get (&run->buffers) > 0);
}

/* Serves @cert and expects the source to accept it and read the payload */
static void
expect_accepted (PgsmTestCert * cert, const gchar * host,
    const gchar * server_name, const gchar * pins)
{
  PgsmTestTlsServer *server = server_new (cert, PGSM_TEST_TLS_SERVER_SERVE);
  guint16 port = pgsm_test_tls_server_get_port (server);
  Run *run = run_new (port);
  GstMessage *msg;
  PgsmCertificateFlags flags = 1;
  gchar *sha = NULL, *pem = NULL;

  g_object_set (run->src, "host", host, "server-name", server_name,
      "pinned-sha256", pins, NULL);
  msg = run_until_done (run);
  assert_eos (msg);
  gst_message_unref (msg);
  assert_payload (run);

  g_object_get (run->src, "verification-flags", &flags,
      "peer-certificate-sha256", &sha, "peer-certificate", &pem, NULL);
  fail_unless_equals_int (flags, 0);
  fail_unless_equals_string (sha, cert->sha256);
  fail_unless_equals_string (pem, cert->cert_pem);
  g_free (sha);
  g_free (pem);

  run_free (run);
  pgsm_test_tls_server_free (server);
}

/* Serves @cert and expects the certificate ERROR with @flag */
static void
expect_refused (PgsmTestCert * cert, PgsmCertificateFlags flag,
    const gchar * crl_file, const gchar * pins)
{
  PgsmTestTlsServer *server = server_new (cert, PGSM_TEST_TLS_SERVER_SERVE);
  guint16 port = pgsm_test_tls_server_get_port (server);
  Run *run = run_new (port);
  GstMessage *msg;

  g_object_set (run->src, "crl-file", crl_file, "pinned-sha256", pins, NULL);
  msg = run_until_done (run);
  assert_certificate_error (run, msg, flag, port, cert);
  gst_message_unref (msg);
  /* Refused inside the handshake: the server never saw it complete */
  fail_unless_equals_int (pgsm_test_tls_server_get_handshakes (server), 0);

  run_free (run);
  pgsm_test_tls_server_free (server);
}

static PgsmTestCert *
issue (PgsmTestCertSpec * spec)
{
  static const gchar *dns[] = { SERVER_NAME, NULL };

  if (spec->cn == NULL)
    spec->cn = SERVER_NAME;
  if (spec->dns == NULL && spec->ips == NULL)
    spec->dns = dns;
  return pgsm_test_pki_issue (pki, spec);
}

/* A TCP port nothing listens on (bound, then closed) */
static guint16
unused_port (const gchar * address)
{
  GSocket *sock;
  GInetAddress *ia = g_inet_address_new_from_string (address);
  GSocketAddress *sa = g_inet_socket_address_new (ia, 0);
  GSocketAddress *bound;
  guint16 port;

  sock = g_socket_new (g_inet_address_get_family (ia), G_SOCKET_TYPE_STREAM,
      G_SOCKET_PROTOCOL_TCP, NULL);
  fail_unless (sock != NULL);
  fail_unless (g_socket_bind (sock, sa, TRUE, NULL));
  bound = g_socket_get_local_address (sock, NULL);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_object_unref (bound);
  g_socket_close (sock, NULL);
  g_object_unref (sock);
  g_object_unref (sa);
  g_object_unref (ia);
  return port;
}

/* ------------------------------------------------------------------------ */
/* Accepted                                                                 */

GST_START_TEST (test_accept_chain_via_intermediate)
{
  PgsmTestCertSpec spec = {.name = "good" };
  PgsmTestCert *cert = issue (&spec);
  PgsmTestTlsServer *server = server_new (cert, PGSM_TEST_TLS_SERVER_SERVE);
  guint16 port = pgsm_test_tls_server_get_port (server);
  Run *run = run_new (port);
  GstMessage *msg;
  GstStructure *stats = NULL;
  gchar *version = NULL, *suite = NULL;
  guint64 bytes = 0, hs = 0, first = 0;

  msg = run_until_done (run);
  assert_eos (msg);
  gst_message_unref (msg);
  assert_payload (run);

  g_object_get (run->src, "tls-version", &version, "cipher-suite", &suite,
      NULL);
  fail_unless_equals_string (version, "TLS1.3");
  fail_unless (suite != NULL && g_str_has_prefix (suite, "TLS_"), "%s", suite);

  /* The stats survive stop() */
  gst_element_set_state (run->pipeline, GST_STATE_NULL);
  g_object_get (run->src, "stats", &stats, NULL);
  fail_unless (stats != NULL);
  fail_unless (gst_structure_get_uint64 (stats, "bytes-received", &bytes));
  fail_unless_equals_uint64 (bytes, strlen (PAYLOAD));
  fail_unless (gst_structure_get_uint64 (stats, "handshake-time", &hs));
  fail_unless (hs > 0);
  fail_unless (gst_structure_get_uint64 (stats, "first-byte-time", &first));
  fail_unless (first >= hs);
  fail_unless_equals_string (gst_structure_get_string (stats, "tls-version"),
      "TLS1.3");
  fail_unless_equals_int (pgsm_test_tls_server_get_handshakes (server), 1);

  gst_structure_free (stats);
  g_free (version);
  g_free (suite);
  run_free (run);
  pgsm_test_tls_server_free (server);
  pgsm_test_cert_free (cert);
}

GST_END_TEST;

GST_START_TEST (test_accept_custom_ca_bundle)
{
  PgsmTestCertSpec spec = {.name = "bundle" };
  PgsmTestCert *cert = issue (&spec);
  PgsmTestTlsServer *server = server_new (cert, PGSM_TEST_TLS_SERVER_SERVE);
  Run *run = run_new (pgsm_test_tls_server_get_port (server));
  GstMessage *msg;

  /* Several anchors in one file, system store off */
  g_object_set (run->src, "ca-file", pki->ca_bundle_file, "use-system-ca",
      FALSE, NULL);
  msg = run_until_done (run);
  assert_eos (msg);
  gst_message_unref (msg);
  assert_payload (run);

  run_free (run);
  pgsm_test_tls_server_free (server);
  pgsm_test_cert_free (cert);
}

GST_END_TEST;

GST_START_TEST (test_accept_ip_san)
{
  const gchar *ips[] = { "127.0.0.1", NULL };
  PgsmTestCertSpec spec = {.name = "ip",.cn = "127.0.0.1",.ips = ips };
  PgsmTestCert *cert = issue (&spec);

  /* No server-name: the address itself is the identity */
  expect_accepted (cert, "127.0.0.1", NULL, NULL);
  pgsm_test_cert_free (cert);
}

GST_END_TEST;

GST_START_TEST (test_accept_wildcard_san)
{
  const gchar *dns[] = { "*.example.test", NULL };
  PgsmTestCertSpec spec = {.name = "wild",.cn = "example.test",.dns = dns };
  PgsmTestCert *cert = issue (&spec);

  expect_accepted (cert, "127.0.0.1", "pbx.example.test", NULL);
  pgsm_test_cert_free (cert);
}

GST_END_TEST;

GST_START_TEST (test_accept_matching_pins)
{
  PgsmTestCertSpec spec = {.name = "pinned" };
  PgsmTestCert *cert = issue (&spec);
  PgsmTestCertSpec spec2 = {.name = "other-pin" };
  PgsmTestCert *other = issue (&spec2);
  gchar *pins;

  /* The certificate fingerprint, among others */
  pins = g_strdup_printf ("%s, %s", other->sha256, cert->sha256);
  expect_accepted (cert, "127.0.0.1", SERVER_NAME, pins);
  g_free (pins);

  /* The SPKI fingerprint, upper case with colons as openssl prints it */
  {
    gsize i;
    GString *colons = g_string_new (NULL);

    for (i = 0; cert->spki_sha256[i]; i += 2) {
      if (i)
        g_string_append_c (colons, ':');
      g_string_append_c (colons, g_ascii_toupper (cert->spki_sha256[i]));
      g_string_append_c (colons, g_ascii_toupper (cert->spki_sha256[i + 1]));
    }
    expect_accepted (cert, "127.0.0.1", SERVER_NAME, colons->str);
    g_string_free (colons, TRUE);
  }

  pgsm_test_cert_free (other);
  pgsm_test_cert_free (cert);
}

GST_END_TEST;

GST_START_TEST (test_accept_ipv6)
{
  const gchar *ips[] = { "::1", NULL };
  PgsmTestCertSpec spec = {.name = "ip6",.cn = "::1",.ips = ips };
  PgsmTestCert *cert;
  PgsmTestTlsServerOptions o = { 0, };
  PgsmTestTlsServer *server;
  GSocket *probe;
  Run *run;
  GstMessage *msg;

  /* Skip where the loopback has no IPv6 address */
  probe = g_socket_new (G_SOCKET_FAMILY_IPV6, G_SOCKET_TYPE_STREAM,
      G_SOCKET_PROTOCOL_TCP, NULL);
  if (probe) {
    GInetAddress *ia = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV6);
    GSocketAddress *sa = g_inet_socket_address_new (ia, 0);
    gboolean ok = g_socket_bind (probe, sa, FALSE, NULL);

    g_object_unref (sa);
    g_object_unref (ia);
    g_object_unref (probe);
    if (!ok)
      probe = NULL;
  }
  if (probe == NULL) {
    GST_WARNING ("no IPv6 loopback here: skipped");
    return;
  }

  cert = issue (&spec);
  o.chain_file = cert->chain_file;
  o.key_file = cert->key_file;
  o.address = "::1";
  o.payload = (const guint8 *) PAYLOAD;
  o.payload_len = strlen (PAYLOAD);
  server = pgsm_test_tls_server_new (&o);
  run = run_new (pgsm_test_tls_server_get_port (server));
  g_object_set (run->src, "host", "::1", "server-name", NULL, NULL);
  msg = run_until_done (run);
  assert_eos (msg);
  gst_message_unref (msg);
  assert_payload (run);

  run_free (run);
  pgsm_test_tls_server_free (server);
  pgsm_test_cert_free (cert);
}

GST_END_TEST;

GST_START_TEST (test_accept_tls12)
{
  PgsmTestCertSpec spec = {.name = "tls12" };
  PgsmTestCert *cert = issue (&spec);
  PgsmTestTlsServerOptions o = { 0, };
  PgsmTestTlsServer *server;
  Run *run;
  GstMessage *msg;
  gchar *version = NULL;

  o.chain_file = cert->chain_file;
  o.key_file = cert->key_file;
  o.priority = "NORMAL:-VERS-ALL:+VERS-TLS1.2";
  o.payload = (const guint8 *) PAYLOAD;
  o.payload_len = strlen (PAYLOAD);
  server = pgsm_test_tls_server_new (&o);
  run = run_new (pgsm_test_tls_server_get_port (server));
  msg = run_until_done (run);
  assert_eos (msg);
  gst_message_unref (msg);
  assert_payload (run);
  g_object_get (run->src, "tls-version", &version, NULL);
  fail_unless_equals_string (version, "TLS1.2");

  g_free (version);
  run_free (run);
  pgsm_test_tls_server_free (server);
  pgsm_test_cert_free (cert);
}

GST_END_TEST;

GST_START_TEST (test_client_certificate)
{
  PgsmTestCertSpec spec = {.name = "srv" };
  PgsmTestCert *cert = issue (&spec);
  PgsmTestCertSpec cspec = {.name = "client",.cn = "client.test",
    .eku = PGSM_TEST_EKU_CLIENT
  };
  PgsmTestCert *client = issue (&cspec);
  PgsmTestTlsServerOptions o = { 0, };
  PgsmTestTlsServer *server;
  Run *run;
  GstMessage *msg;

  o.chain_file = cert->chain_file;
  o.key_file = cert->key_file;
  o.request_client_cert = TRUE;
  o.payload = (const guint8 *) PAYLOAD;
  o.payload_len = strlen (PAYLOAD);
  server = pgsm_test_tls_server_new (&o);
  run = run_new (pgsm_test_tls_server_get_port (server));
  g_object_set (run->src, "cert-file", client->chain_file, "key-file",
      client->key_file, NULL);
  msg = run_until_done (run);
  assert_eos (msg);
  gst_message_unref (msg);
  assert_payload (run);
  fail_unless (pgsm_test_tls_server_client_sent_certificate (server));

  run_free (run);
  pgsm_test_tls_server_free (server);
  pgsm_test_cert_free (client);
  pgsm_test_cert_free (cert);
}

GST_END_TEST;

/* An untrusted server that asks for a client certificate never gets it:
 * the certificate is refused before the client's flight is sent */
GST_START_TEST (test_refused_server_gets_no_client_certificate)
{
  PgsmTestCertSpec spec = {.name = "untrusted",
    .signer = PGSM_TEST_SIGNER_OTHER_ROOT
  };
  PgsmTestCert *cert = issue (&spec);
  PgsmTestCertSpec cspec = {.name = "client2",.cn = "client.test",
    .eku = PGSM_TEST_EKU_CLIENT
  };
  PgsmTestCert *client = issue (&cspec);
  PgsmTestTlsServerOptions o = { 0, };
  PgsmTestTlsServer *server;
  guint16 port;
  Run *run;
  GstMessage *msg;

  o.chain_file = cert->chain_file;
  o.key_file = cert->key_file;
  o.request_client_cert = TRUE;
  o.payload = (const guint8 *) PAYLOAD;
  o.payload_len = strlen (PAYLOAD);
  server = pgsm_test_tls_server_new (&o);
  port = pgsm_test_tls_server_get_port (server);
  run = run_new (port);
  g_object_set (run->src, "cert-file", client->chain_file, "key-file",
      client->key_file, NULL);
  msg = run_until_done (run);
  assert_certificate_error (run, msg, PGSM_CERTIFICATE_UNKNOWN_CA, port, cert);
  gst_message_unref (msg);
  fail_unless_equals_int (pgsm_test_tls_server_get_handshakes (server), 0);
  fail_if (pgsm_test_tls_server_client_sent_certificate (server));

  run_free (run);
  pgsm_test_tls_server_free (server);
  pgsm_test_cert_free (client);
  pgsm_test_cert_free (cert);
}

GST_END_TEST;

/* The same element connects again after NULL, after a refusal as after
 * a success, and each connection is judged on its own */
GST_START_TEST (test_restart)
{
  PgsmTestCertSpec spec = {.name = "restart" };
  PgsmTestCert *cert = issue (&spec);
  PgsmTestCertSpec bspec = {.name = "restart-bad",
    .signer = PGSM_TEST_SIGNER_OTHER_ROOT
  };
  PgsmTestCert *bad = issue (&bspec);
  PgsmTestTlsServer *server = server_new (cert, PGSM_TEST_TLS_SERVER_SERVE);
  PgsmTestTlsServer *bad_server = server_new (bad, PGSM_TEST_TLS_SERVER_SERVE);
  guint16 bad_port = pgsm_test_tls_server_get_port (bad_server);
  Run *run = run_new (pgsm_test_tls_server_get_port (server));
  GstMessage *msg;
  guint i;

  for (i = 0; i < 2; i++) {
    g_object_set (run->src, "port",
        (guint) pgsm_test_tls_server_get_port (server), NULL);
    msg = run_until_done (run);
    assert_eos (msg);
    gst_message_unref (msg);
    assert_payload (run);
    gst_element_set_state (run->pipeline, GST_STATE_NULL);
    g_byte_array_set_size (run->data, 0);
    g_atomic_int_set (&run->buffers, 0);

    g_object_set (run->src, "port", (guint) bad_port, NULL);
    msg = run_until_done (run);
    assert_certificate_error (run, msg, PGSM_CERTIFICATE_UNKNOWN_CA,
        bad_port, bad);
    gst_message_unref (msg);
    gst_element_set_state (run->pipeline, GST_STATE_NULL);
    /* Drop the generic flow error that follows ours */
    gst_bus_set_flushing (run->bus, TRUE);
    gst_bus_set_flushing (run->bus, FALSE);
  }

  run_free (run);
  pgsm_test_tls_server_free (bad_server);
  pgsm_test_tls_server_free (server);
  pgsm_test_cert_free (bad);
  pgsm_test_cert_free (cert);
}

GST_END_TEST;

GST_START_TEST (test_large_stream_blocksize)
{
  PgsmTestCertSpec spec = {.name = "large" };
  PgsmTestCert *cert = issue (&spec);
  PgsmTestTlsServerOptions o = { 0, };
  PgsmTestTlsServer *server;
  Run *run;
  GstMessage *msg;
  guint8 *big;
  gsize i, len = 256 * 1024;

  big = g_malloc (len);
  for (i = 0; i < len; i++)
    big[i] = (guint8) (i * 7 + (i >> 8));
  o.chain_file = cert->chain_file;
  o.key_file = cert->key_file;
  o.payload = big;
  o.payload_len = len;
  server = pgsm_test_tls_server_new (&o);
  run = run_new (pgsm_test_tls_server_get_port (server));
  g_object_set (run->src, "blocksize", 1000, NULL);
  msg = run_until_done (run);
  assert_eos (msg);
  gst_message_unref (msg);
  fail_unless_equals_int (run->data->len, len);
  fail_unless (memcmp (run->data->data, big, len) == 0);
  fail_unless (g_atomic_int_get (&run->buffers) >= (gint) (len / 1000));

  g_free (big);
  run_free (run);
  pgsm_test_tls_server_free (server);
  pgsm_test_cert_free (cert);
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* Refused                                                                  */

GST_START_TEST (test_refuse_expired)
{
  PgsmTestCertSpec spec = {.name = "expired",
    .not_before = -60 * 86400,.not_after = -86400
  };
  PgsmTestCert *cert = issue (&spec);

  expect_refused (cert, PGSM_CERTIFICATE_EXPIRED, NULL, NULL);
  pgsm_test_cert_free (cert);
}

GST_END_TEST;

GST_START_TEST (test_refuse_not_yet_valid)
{
  PgsmTestCertSpec spec = {.name = "future",
    .not_before = 86400,.not_after = 30 * 86400
  };
  PgsmTestCert *cert = issue (&spec);

  expect_refused (cert, PGSM_CERTIFICATE_NOT_ACTIVATED, NULL, NULL);
  pgsm_test_cert_free (cert);
}

GST_END_TEST;

GST_START_TEST (test_refuse_self_signed)
{
  PgsmTestCertSpec spec = {.name = "self",.signer = PGSM_TEST_SIGNER_SELF };
  PgsmTestCert *cert = issue (&spec);

  expect_refused (cert, PGSM_CERTIFICATE_SELF_SIGNED, NULL, NULL);
  pgsm_test_cert_free (cert);
}

GST_END_TEST;

GST_START_TEST (test_refuse_name_mismatch)
{
  const gchar *dns[] = { "other.test", NULL };
  PgsmTestCertSpec spec = {.name = "mismatch",.cn = "other.test",.dns = dns };
  PgsmTestCert *cert = issue (&spec);

  expect_refused (cert, PGSM_CERTIFICATE_BAD_IDENTITY, NULL, NULL);
  pgsm_test_cert_free (cert);
}

GST_END_TEST;

GST_START_TEST (test_refuse_unknown_ca)
{
  PgsmTestCertSpec spec = {.name = "unknown",
    .signer = PGSM_TEST_SIGNER_OTHER_ROOT
  };
  PgsmTestCert *cert = issue (&spec);

  expect_refused (cert, PGSM_CERTIFICATE_UNKNOWN_CA, NULL, NULL);
  pgsm_test_cert_free (cert);
}

GST_END_TEST;

GST_START_TEST (test_refuse_private_ca_with_system_store_only)
{
  PgsmTestCertSpec spec = {.name = "sysonly" };
  PgsmTestCert *cert = issue (&spec);
  PgsmTestTlsServer *server = server_new (cert, PGSM_TEST_TLS_SERVER_SERVE);
  guint16 port = pgsm_test_tls_server_get_port (server);
  Run *run = run_new (port);
  GstMessage *msg;

  /* The system store does not know our private root */
  g_object_set (run->src, "ca-file", NULL, "use-system-ca", TRUE, NULL);
  msg = run_until_done (run);
  assert_certificate_error (run, msg, PGSM_CERTIFICATE_UNKNOWN_CA, port, cert);
  gst_message_unref (msg);

  run_free (run);
  pgsm_test_tls_server_free (server);
  pgsm_test_cert_free (cert);
}

GST_END_TEST;

GST_START_TEST (test_refuse_revoked)
{
  PgsmTestCertSpec spec = {.name = "revoked" };
  PgsmTestCert *cert = issue (&spec);
  const gchar *crl = pgsm_test_pki_write_crl (pki, cert);

  expect_refused (cert, PGSM_CERTIFICATE_REVOKED, crl, NULL);
  pgsm_test_cert_free (cert);
}

GST_END_TEST;

GST_START_TEST (test_accept_not_revoked)
{
  PgsmTestCertSpec spec = {.name = "notrevoked" };
  PgsmTestCert *cert = issue (&spec);
  const gchar *crl = pgsm_test_pki_write_crl (pki, NULL);
  PgsmTestTlsServer *server = server_new (cert, PGSM_TEST_TLS_SERVER_SERVE);
  Run *run = run_new (pgsm_test_tls_server_get_port (server));
  GstMessage *msg;

  g_object_set (run->src, "crl-file", crl, NULL);
  msg = run_until_done (run);
  assert_eos (msg);
  gst_message_unref (msg);
  assert_payload (run);

  run_free (run);
  pgsm_test_tls_server_free (server);
  pgsm_test_cert_free (cert);
}

GST_END_TEST;

GST_START_TEST (test_refuse_sha1)
{
  PgsmTestCertSpec spec = {.name = "sha1",.hash = PGSM_TEST_HASH_SHA1 };
  PgsmTestCert *cert = issue (&spec);

  expect_refused (cert, PGSM_CERTIFICATE_INSECURE_ALGORITHM, NULL, NULL);
  pgsm_test_cert_free (cert);
}

GST_END_TEST;

GST_START_TEST (test_refuse_rsa1024)
{
  PgsmTestCertSpec spec = {.name = "rsa1024",.key = PGSM_TEST_KEY_RSA_1024 };
  PgsmTestCert *cert = issue (&spec);

  expect_refused (cert, PGSM_CERTIFICATE_WEAK_KEY, NULL, NULL);
  pgsm_test_cert_free (cert);
}

GST_END_TEST;

GST_START_TEST (test_refuse_issued_by_non_ca)
{
  PgsmTestCertSpec spec = {.name = "byleaf",.signer = PGSM_TEST_SIGNER_LEAF };
  PgsmTestCert *cert = issue (&spec);

  expect_refused (cert, PGSM_CERTIFICATE_NOT_A_CA, NULL, NULL);
  pgsm_test_cert_free (cert);
}

GST_END_TEST;

GST_START_TEST (test_refuse_missing_intermediate)
{
  PgsmTestCertSpec spec = {.name = "nointer",.omit_intermediate = TRUE };
  PgsmTestCert *cert = issue (&spec);

  expect_refused (cert, PGSM_CERTIFICATE_UNKNOWN_CA, NULL, NULL);
  pgsm_test_cert_free (cert);
}

GST_END_TEST;

GST_START_TEST (test_refuse_client_auth_only)
{
  PgsmTestCertSpec spec = {.name = "clientonly",.eku = PGSM_TEST_EKU_CLIENT };
  PgsmTestCert *cert = issue (&spec);

  expect_refused (cert, PGSM_CERTIFICATE_BAD_PURPOSE, NULL, NULL);
  pgsm_test_cert_free (cert);
}

GST_END_TEST;

GST_START_TEST (test_refuse_pin_mismatch)
{
  PgsmTestCertSpec spec = {.name = "pinmis" };
  PgsmTestCert *cert = issue (&spec);
  PgsmTestCertSpec spec2 = {.name = "pinother" };
  PgsmTestCert *other = issue (&spec2);

  /* A valid chain, but not the pinned certificate */
  expect_refused (cert, PGSM_CERTIFICATE_PIN_MISMATCH, NULL, other->sha256);
  pgsm_test_cert_free (other);
  pgsm_test_cert_free (cert);
}

GST_END_TEST;

static void
refuse_old_protocol (const gchar * priority)
{
  PgsmTestCertSpec spec = {.name = "oldproto" };
  PgsmTestCert *cert = issue (&spec);
  PgsmTestTlsServerOptions o = { 0, };
  PgsmTestTlsServer *server;
  guint16 port;
  Run *run;
  GstMessage *msg;

  o.chain_file = cert->chain_file;
  o.key_file = cert->key_file;
  o.priority = priority;
  o.payload = (const guint8 *) PAYLOAD;
  o.payload_len = strlen (PAYLOAD);
  server = pgsm_test_tls_server_new (&o);
  port = pgsm_test_tls_server_get_port (server);
  run = run_new (port);
  msg = run_until_done (run);
  /* No handshake, so no certificate in the details */
  assert_certificate_error (run, msg, PGSM_CERTIFICATE_INSECURE_PROTOCOL,
      port, NULL);
  gst_message_unref (msg);
  fail_unless_equals_int (pgsm_test_tls_server_get_handshakes (server), 0);

  run_free (run);
  pgsm_test_tls_server_free (server);
  pgsm_test_cert_free (cert);
}

GST_START_TEST (test_refuse_tls10_only_server)
{
  refuse_old_protocol ("NORMAL:-VERS-ALL:+VERS-TLS1.0");
}

GST_END_TEST;

GST_START_TEST (test_refuse_tls11_only_server)
{
  refuse_old_protocol ("NORMAL:-VERS-ALL:+VERS-TLS1.1:+VERS-TLS1.0");
}

GST_END_TEST;

/* A man in the middle: the genuine server exists, but the dialled address
 * answers with another server whose certificate is valid, from the same
 * trusted CA, for another name */
GST_START_TEST (test_refuse_man_in_the_middle)
{
  PgsmTestCert *genuine = pgsm_test_pki_issue_server (pki, "genuine",
      SERVER_NAME);
  const gchar *dns[] = { "attacker.test", NULL };
  PgsmTestCertSpec spec = {.name = "mitm",.cn = "attacker.test",.dns = dns };
  PgsmTestCert *mitm = issue (&spec);
  PgsmTestTlsServer *good = server_new (genuine, PGSM_TEST_TLS_SERVER_SERVE);
  PgsmTestTlsServer *bad = server_new (mitm, PGSM_TEST_TLS_SERVER_SERVE);
  guint16 port = pgsm_test_tls_server_get_port (bad);
  Run *run;
  GstMessage *msg;

  /* The genuine server is accepted... */
  run = run_new (pgsm_test_tls_server_get_port (good));
  msg = run_until_done (run);
  assert_eos (msg);
  gst_message_unref (msg);
  assert_payload (run);
  run_free (run);

  /* ...the one on the dialled address is not */
  run = run_new (port);
  msg = run_until_done (run);
  assert_certificate_error (run, msg, PGSM_CERTIFICATE_BAD_IDENTITY, port,
      mitm);
  gst_message_unref (msg);
  run_free (run);

  pgsm_test_tls_server_free (bad);
  pgsm_test_tls_server_free (good);
  pgsm_test_cert_free (mitm);
  pgsm_test_cert_free (genuine);
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* accept-certificate                                                       */

typedef struct
{
  gboolean answer;
  gint calls;
  PgsmCertificateFlags flags;
  gchar *pem;
  GThread *thread;
} AcceptData;

static gboolean
accept_certificate_cb (GstElement * src, const gchar * pem,
    PgsmCertificateFlags flags, gpointer user_data)
{
  AcceptData *d = user_data;

  d->calls++;
  d->flags = flags;
  d->pem = g_strdup (pem);
  d->thread = g_thread_self ();
  return d->answer;
}

static void
run_accept_signal (gboolean answer)
{
  PgsmTestCertSpec spec = {.name = "signal",.signer = PGSM_TEST_SIGNER_SELF };
  PgsmTestCert *cert = issue (&spec);
  PgsmTestTlsServer *server = server_new (cert, PGSM_TEST_TLS_SERVER_SERVE);
  guint16 port = pgsm_test_tls_server_get_port (server);
  Run *run = run_new (port);
  AcceptData d = {.answer = answer };
  GstMessage *msg;

  g_signal_connect (run->src, "accept-certificate",
      G_CALLBACK (accept_certificate_cb), &d);
  msg = run_until_done (run);
  fail_unless_equals_int (d.calls, 1);
  fail_unless (d.flags & PGSM_CERTIFICATE_SELF_SIGNED);
  fail_unless_equals_string (d.pem, cert->cert_pem);
  /* Emitted from the streaming thread, not the application's */
  fail_unless (d.thread != g_thread_self ());
  if (answer) {
    PgsmCertificateFlags flags = 0;

    assert_eos (msg);
    assert_payload (run);
    g_object_get (run->src, "verification-flags", &flags, NULL);
    fail_unless (flags & PGSM_CERTIFICATE_SELF_SIGNED);
  } else {
    assert_certificate_error (run, msg, PGSM_CERTIFICATE_SELF_SIGNED, port,
        cert);
  }
  gst_message_unref (msg);

  g_free (d.pem);
  run_free (run);
  pgsm_test_tls_server_free (server);
  pgsm_test_cert_free (cert);
}

GST_START_TEST (test_accept_certificate_signal_true)
{
  run_accept_signal (TRUE);
}

GST_END_TEST;

GST_START_TEST (test_accept_certificate_signal_false)
{
  run_accept_signal (FALSE);
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* Network failures, timeouts, cancellation, stream ends                    */

GST_START_TEST (test_connection_refused)
{
  guint16 port = unused_port ("127.0.0.1");
  Run *run = run_new (port);
  GstMessage *msg;

  msg = run_until_done (run);
  assert_error (msg, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ,
      "Could not connect to the server.");
  gst_message_unref (msg);
  fail_unless_equals_int (g_atomic_int_get (&run->buffers), 0);
  run_free (run);
}

GST_END_TEST;

GST_START_TEST (test_dns_failure)
{
  Run *run = run_new (443);
  GstMessage *msg;

  /* .invalid never resolves (RFC 6761) */
  g_object_set (run->src, "host", "pgsm-no-such-host.invalid", NULL);
  msg = run_until_done (run);
  assert_error (msg, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND,
      "Could not resolve the server name.");
  gst_message_unref (msg);
  run_free (run);
}

GST_END_TEST;

GST_START_TEST (test_handshake_timeout)
{
  PgsmTestTlsServer *server = server_new (NULL, PGSM_TEST_TLS_SERVER_STALL);
  Run *run = run_new (pgsm_test_tls_server_get_port (server));
  GstMessage *msg;
  gint64 t0;

  g_object_set (run->src, "timeout", 1, NULL);
  t0 = g_get_monotonic_time ();
  msg = run_until_done (run);
  assert_error (msg, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ,
      "Timed out waiting for the server to set up the secure connection.");
  /* 1 s, with room for a loaded machine */
  fail_unless (g_get_monotonic_time () - t0 < 10 * G_USEC_PER_SEC);
  fail_unless (g_get_monotonic_time () - t0 >= G_USEC_PER_SEC / 2);
  gst_message_unref (msg);
  fail_unless_equals_int (g_atomic_int_get (&run->buffers), 0);

  run_free (run);
  pgsm_test_tls_server_free (server);
}

GST_END_TEST;

GST_START_TEST (test_unlock_stalled_handshake)
{
  PgsmTestTlsServer *server = server_new (NULL, PGSM_TEST_TLS_SERVER_STALL);
  Run *run = run_new (pgsm_test_tls_server_get_port (server));
  GstMessage *msg;
  gint64 t0;

  /* No timeout: only the state change can stop it */
  fail_if (gst_element_set_state (run->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  fail_unless (pgsm_test_tls_server_wait_connections (server, 1, 20000));

  t0 = g_get_monotonic_time ();
  fail_unless_equals_int (gst_element_set_state (run->pipeline,
          GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
  /* Promptly: well under a second even on a loaded machine */
  fail_unless (g_get_monotonic_time () - t0 < 2 * G_USEC_PER_SEC,
      "state change to NULL took %" G_GINT64_FORMAT " us",
      g_get_monotonic_time () - t0);

  /* Cancellation is not an error */
  msg = gst_bus_pop_filtered (run->bus, GST_MESSAGE_ERROR);
  fail_unless (msg == NULL);
  fail_unless_equals_int (g_atomic_int_get (&run->buffers), 0);

  run_free (run);
  pgsm_test_tls_server_free (server);
}

GST_END_TEST;

GST_START_TEST (test_truncated_stream)
{
  PgsmTestCertSpec spec = {.name = "trunc" };
  PgsmTestCert *cert = issue (&spec);
  PgsmTestTlsServer *server = server_new (cert,
      PGSM_TEST_TLS_SERVER_TRUNCATE);
  Run *run = run_new (pgsm_test_tls_server_get_port (server));
  GstMessage *msg;

  msg = run_until_done (run);
  assert_error (msg, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ,
      "The server ended the connection without closing the secure session: "
      "the stream may be truncated.");
  gst_message_unref (msg);
  /* What came before the cut was verified and delivered */
  assert_payload (run);

  run_free (run);
  pgsm_test_tls_server_free (server);
  pgsm_test_cert_free (cert);
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* Settings                                                                 */

static void
expect_start_failure (GstElement * src, GQuark domain, gint code,
    const gchar * text)
{
  GstBus *bus = gst_bus_new ();
  GstMessage *msg;

  gst_element_set_bus (src, bus);
  fail_unless_equals_int (gst_element_set_state (src, GST_STATE_PAUSED),
      GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL);
  assert_error (msg, domain, code, text);
  gst_message_unref (msg);
  gst_element_set_state (src, GST_STATE_NULL);
  gst_element_set_bus (src, NULL);
  gst_object_unref (bus);
}

GST_START_TEST (test_no_host)
{
  GstElement *src = gst_element_factory_make ("pgsmtlssrc", NULL);

  expect_start_failure (src, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND,
      "No server host was given.");
  gst_object_unref (src);
}

GST_END_TEST;

GST_START_TEST (test_empty_trust_store)
{
  GstElement *src = gst_element_factory_make ("pgsmtlssrc", NULL);

  g_object_set (src, "host", "127.0.0.1", "use-system-ca", FALSE, NULL);
  expect_start_failure (src, PGSM_TLS_ERROR, PGSM_TLS_ERROR_TRUST_STORE,
      "No trusted certificate authority could be loaded.");
  gst_object_unref (src);
}

GST_END_TEST;

GST_START_TEST (test_bad_pin)
{
  GstElement *src = gst_element_factory_make ("pgsmtlssrc", NULL);

  g_object_set (src, "host", "127.0.0.1", "ca-file", pki->root_ca_file,
      "pinned-sha256", "not-a-fingerprint", NULL);
  expect_start_failure (src, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
      "A pinned fingerprint is not a SHA-256 fingerprint.");
  gst_object_unref (src);
}

GST_END_TEST;

GST_START_TEST (test_half_client_certificate)
{
  GstElement *src = gst_element_factory_make ("pgsmtlssrc", NULL);

  g_object_set (src, "host", "127.0.0.1", "ca-file", pki->root_ca_file,
      "cert-file", pki->root_ca_file, NULL);
  expect_start_failure (src, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
      "A client certificate needs both a certificate and a key file.");
  gst_object_unref (src);
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* An external server we did not write: gnutls-serv                         */

typedef struct
{
  GPid pid;
  guint16 port;
} ExternalServer;

static void
external_server_stop (ExternalServer * es)
{
  int status;

  kill (es->pid, SIGTERM);
  waitpid (es->pid, &status, 0);
  g_spawn_close_pid (es->pid);
}

/* Starts gnutls-serv in echo mode on a free port and waits (bounded) until
 * it accepts connections. Returns FALSE when gnutls-serv is missing. */
static gboolean
external_server_start (ExternalServer * es, const PgsmTestCert * cert,
    const gchar * priority)
{
  gchar *prog = g_find_program_in_path ("gnutls-serv");
  gchar *port_arg, *cert_arg, *key_arg, *prio_arg;
  GError *err = NULL;
  gint64 deadline;
  gboolean up = FALSE;

  if (prog == NULL)
    return FALSE;

  /* It listens on all addresses: a port free on the wildcard address */
  es->port = unused_port ("0.0.0.0");
  port_arg = g_strdup_printf ("--port=%u", es->port);
  cert_arg = g_strdup_printf ("--x509certfile=%s", cert->chain_file);
  key_arg = g_strdup_printf ("--x509keyfile=%s", cert->key_file);
  prio_arg = g_strdup_printf ("--priority=%s", priority ? priority : "NORMAL");
  {
    gchar *argv[] = { prog, port_arg, cert_arg, key_arg, prio_arg,
      (gchar *) "--echo", (gchar *) "--quiet", NULL
    };
    fail_unless (g_spawn_async (NULL, argv, NULL,
            G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL |
            G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &es->pid, &err),
        "gnutls-serv: %s", err ? err->message : "?");
  }

  /* Readiness: poll with a TCP connect, bounded to 20 s */
  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (!up && g_get_monotonic_time () < deadline) {
    GSocketClient *client = g_socket_client_new ();
    GSocketConnection *conn = g_socket_client_connect_to_host (client,
        "127.0.0.1", es->port, NULL, NULL);

    if (conn) {
      up = TRUE;
      g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
      g_object_unref (conn);
    } else {
      g_usleep (50 * 1000);
    }
    g_object_unref (client);
  }
  if (!up) {
    external_server_stop (es);
    fail ("gnutls-serv did not start listening on port %u", es->port);
  }

  g_free (prog);
  g_free (port_arg);
  g_free (cert_arg);
  g_free (key_arg);
  g_free (prio_arg);
  return TRUE;
}

GST_START_TEST (test_gnutls_serv_accepted)
{
  PgsmTestCert *cert = pgsm_test_pki_issue_server (pki, "ext-good",
      SERVER_NAME);
  ExternalServer es;
  Run *run;
  GstMessage *msg;
  PgsmCertificateFlags flags = 1;
  gchar *sha = NULL;

  if (!external_server_start (&es, cert, NULL)) {
    GST_WARNING ("gnutls-serv not found (package gnutls-bin): skipped");
    pgsm_test_cert_free (cert);
    return;
  }

  /* An echo server never speaks first: the source verifies the server,
   * then its read times out, which proves the connection was accepted */
  run = run_new (es.port);
  g_object_set (run->src, "timeout", 2, NULL);
  msg = run_until_done (run);
  assert_error (msg, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ,
      "Timed out waiting for data from the server.");
  gst_message_unref (msg);
  g_object_get (run->src, "verification-flags", &flags,
      "peer-certificate-sha256", &sha, NULL);
  fail_unless_equals_int (flags, 0);
  fail_unless_equals_string (sha, cert->sha256);
  g_free (sha);
  run_free (run);

  external_server_stop (&es);
  pgsm_test_cert_free (cert);
}

GST_END_TEST;

GST_START_TEST (test_gnutls_serv_refused)
{
  PgsmTestCertSpec spec = {.name = "ext-unknown",
    .signer = PGSM_TEST_SIGNER_OTHER_ROOT
  };
  PgsmTestCert *cert = issue (&spec);
  ExternalServer es;
  Run *run;
  GstMessage *msg;

  if (!external_server_start (&es, cert, NULL)) {
    GST_WARNING ("gnutls-serv not found (package gnutls-bin): skipped");
    pgsm_test_cert_free (cert);
    return;
  }

  run = run_new (es.port);
  g_object_set (run->src, "timeout", 10, NULL);
  msg = run_until_done (run);
  assert_certificate_error (run, msg, PGSM_CERTIFICATE_UNKNOWN_CA, es.port,
      cert);
  gst_message_unref (msg);
  run_free (run);

  external_server_stop (&es);
  pgsm_test_cert_free (cert);
}

GST_END_TEST;

GST_START_TEST (test_gnutls_serv_tls10_only)
{
  PgsmTestCert *cert = pgsm_test_pki_issue_server (pki, "ext-tls10",
      SERVER_NAME);
  ExternalServer es;
  Run *run;
  GstMessage *msg;

  if (!external_server_start (&es, cert, "NORMAL:-VERS-ALL:+VERS-TLS1.0")) {
    GST_WARNING ("gnutls-serv not found (package gnutls-bin): skipped");
    pgsm_test_cert_free (cert);
    return;
  }

  run = run_new (es.port);
  g_object_set (run->src, "timeout", 10, NULL);
  msg = run_until_done (run);
  assert_certificate_error (run, msg, PGSM_CERTIFICATE_INSECURE_PROTOCOL,
      es.port, NULL);
  gst_message_unref (msg);
  run_free (run);

  external_server_stop (&es);
  pgsm_test_cert_free (cert);
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */

static Suite *
pgsmtlssrc_suite (void)
{
  Suite *s = suite_create ("pgsmtlssrc");
  TCase *tc_accept = tcase_create ("accepted");
  TCase *tc_refuse = tcase_create ("refused");
  TCase *tc_net = tcase_create ("network");
  TCase *tc_settings = tcase_create ("settings");
  TCase *tc_external = tcase_create ("gnutls-serv");

  suite_add_tcase (s, tc_accept);
  tcase_add_checked_fixture (tc_accept, pki_setup, pki_teardown);
  tcase_add_test (tc_accept, test_accept_chain_via_intermediate);
  tcase_add_test (tc_accept, test_accept_custom_ca_bundle);
  tcase_add_test (tc_accept, test_accept_ip_san);
  tcase_add_test (tc_accept, test_accept_wildcard_san);
  tcase_add_test (tc_accept, test_accept_matching_pins);
  tcase_add_test (tc_accept, test_accept_ipv6);
  tcase_add_test (tc_accept, test_accept_tls12);
  tcase_add_test (tc_accept, test_accept_not_revoked);
  tcase_add_test (tc_accept, test_client_certificate);
  tcase_add_test (tc_accept, test_large_stream_blocksize);
  tcase_add_test (tc_accept, test_restart);
  tcase_add_test (tc_accept, test_accept_certificate_signal_true);

  suite_add_tcase (s, tc_refuse);
  tcase_add_checked_fixture (tc_refuse, pki_setup, pki_teardown);
  tcase_add_test (tc_refuse, test_refuse_expired);
  tcase_add_test (tc_refuse, test_refuse_not_yet_valid);
  tcase_add_test (tc_refuse, test_refuse_self_signed);
  tcase_add_test (tc_refuse, test_refuse_name_mismatch);
  tcase_add_test (tc_refuse, test_refuse_unknown_ca);
  tcase_add_test (tc_refuse, test_refuse_private_ca_with_system_store_only);
  tcase_add_test (tc_refuse, test_refuse_revoked);
  tcase_add_test (tc_refuse, test_refuse_sha1);
  tcase_add_test (tc_refuse, test_refuse_rsa1024);
  tcase_add_test (tc_refuse, test_refuse_issued_by_non_ca);
  tcase_add_test (tc_refuse, test_refuse_missing_intermediate);
  tcase_add_test (tc_refuse, test_refuse_client_auth_only);
  tcase_add_test (tc_refuse, test_refuse_pin_mismatch);
  tcase_add_test (tc_refuse, test_refuse_tls10_only_server);
  tcase_add_test (tc_refuse, test_refuse_tls11_only_server);
  tcase_add_test (tc_refuse, test_refuse_man_in_the_middle);
  tcase_add_test (tc_refuse, test_accept_certificate_signal_false);
  tcase_add_test (tc_refuse, test_refused_server_gets_no_client_certificate);

  suite_add_tcase (s, tc_net);
  tcase_add_checked_fixture (tc_net, pki_setup, pki_teardown);
  tcase_add_test (tc_net, test_connection_refused);
  tcase_add_test (tc_net, test_dns_failure);
  tcase_add_test (tc_net, test_handshake_timeout);
  tcase_add_test (tc_net, test_unlock_stalled_handshake);
  tcase_add_test (tc_net, test_truncated_stream);

  suite_add_tcase (s, tc_settings);
  tcase_add_checked_fixture (tc_settings, pki_setup, pki_teardown);
  tcase_add_test (tc_settings, test_no_host);
  tcase_add_test (tc_settings, test_empty_trust_store);
  tcase_add_test (tc_settings, test_bad_pin);
  tcase_add_test (tc_settings, test_half_client_certificate);

  suite_add_tcase (s, tc_external);
  tcase_add_checked_fixture (tc_external, pki_setup, pki_teardown);
  tcase_set_timeout (tc_external, 120);
  tcase_add_test (tc_external, test_gnutls_serv_accepted);
  tcase_add_test (tc_external, test_gnutls_serv_refused);
  tcase_add_test (tc_external, test_gnutls_serv_tls10_only);

  return s;
}

GST_CHECK_MAIN (pgsmtlssrc);
