/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* GstPgsmSofia, the Sofia-SIP glue of pgsmsipbin, without the bin: two
 * agents on loopback over TLS. Above all: Sofia's own transport verifies the
 * server (issue 4: "Sofia's own transport must verify too, so neither can
 * be bypassed") — with the bin's GnuTLS pre-check out of the way, an
 * untrusted server still never receives the INVITE. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <string.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gst/check/gstcheck.h>
#include "gstpgsmsofia.h"
#include "pki.h"

#define WAIT_S 20
#define SDP "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n" \
  "t=0 0\r\nm=audio 9 RTP/SAVP 0\r\n"

static gchar *pki_dir;
static PgsmTestPki *pki;

/* What one agent saw; written by its Sofia thread */
typedef struct
{
  GMutex lock;
  GCond cond;
  guint incoming;
  guint answered_status;
  gboolean answer;              /* incoming: 180, then 200 (else 486) */
  gchar *dir;
} Seen;

static void
pki_setup (void)
{
  pki_dir = g_dir_make_tmp ("pgsm-sofia-pki-XXXXXX", NULL);
  fail_unless (pki_dir != NULL);
  pki = pgsm_test_pki_new (pki_dir);
}

static void
pki_teardown (void)
{
  pgsm_test_pki_free (pki);
  pki = NULL;
  g_clear_pointer (&pki_dir, g_free);
}

static void
copy_file (const gchar * src, const gchar * dir, const gchar * name,
    gboolean append)
{
  gchar *data = NULL, *path = g_build_filename (dir, name, NULL);
  gsize len = 0;
  FILE *f;

  fail_unless (g_file_get_contents (src, &data, &len, NULL));
  f = g_fopen (path, append ? "ab" : "wb");
  fail_unless (f != NULL);
  fail_unless (fwrite (data, 1, len, f) == len);
  fclose (f);
  g_free (data);
  g_free (path);
}

/* A Sofia certificate directory: agent.pem (key + chain) for a server,
 * cafile.pem with the root */
static gchar *
make_dir (const PgsmTestCert * server_cert)
{
  gchar *dir = g_dir_make_tmp ("pgsm-sofia-XXXXXX", NULL);

  fail_unless (dir != NULL);
  copy_file (pki->root_ca_file, dir, "cafile.pem", FALSE);
  if (server_cert != NULL) {
    copy_file (server_cert->key_file, dir, "agent.pem", FALSE);
    copy_file (server_cert->chain_file, dir, "agent.pem", TRUE);
    copy_file (pki->intermediate_file, dir, "cafile.pem", TRUE);
  }
  return dir;
}

static void
remove_dir (gchar * dir)
{
  gchar *p;

  p = g_build_filename (dir, "agent.pem", NULL);
  g_unlink (p);
  g_free (p);
  p = g_build_filename (dir, "cafile.pem", NULL);
  g_unlink (p);
  g_free (p);
  g_rmdir (dir);
  g_free (dir);
}

static void
incoming_cb (GstPgsmSofia * sofia, const gchar * call_id, const gchar * from,
    const gchar * request_uri, const gchar * sdp, Seen * seen)
{
  if (seen->answer) {
    gst_pgsm_sofia_respond (sofia, call_id, 180, NULL, NULL);
    gst_pgsm_sofia_respond (sofia, call_id, 200, NULL, SDP);
  } else
    gst_pgsm_sofia_respond (sofia, call_id, 486, NULL, NULL);
  g_mutex_lock (&seen->lock);
  seen->incoming++;
  g_cond_broadcast (&seen->cond);
  g_mutex_unlock (&seen->lock);
}

static void
answered_cb (GstPgsmSofia * sofia, const gchar * call_id, guint status,
    const gchar * phrase, const gchar * sdp, Seen * seen)
{
  g_mutex_lock (&seen->lock);
  seen->answered_status = status;
  g_cond_broadcast (&seen->cond);
  g_mutex_unlock (&seen->lock);
}

static GstPgsmSofia *
agent_new (const PgsmTestCert * cert, gboolean verify, Seen * seen)
{
  GstPgsmSofiaConfig config = { 0, };
  GstPgsmSofia *sofia;
  GError *err = NULL;

  g_mutex_init (&seen->lock);
  g_cond_init (&seen->cond);
  seen->dir = make_dir (cert);
  config.bind_url = "sips:127.0.0.1:0";
  config.certificate_dir = seen->dir;
  config.verify_outgoing = verify;
  /* Sofia reports a refused TLS connection only when timer B (64*T1)
   * fires: a short T1 keeps the test short */
  config.sip_t1_ms = 50;
  sofia = gst_pgsm_sofia_new (&config, &err);
  fail_unless (sofia != NULL, "%s", err ? err->message : "");
  fail_unless (gst_pgsm_sofia_get_bound_port (sofia) != 0);
  g_signal_connect (sofia, "incoming", G_CALLBACK (incoming_cb), seen);
  g_signal_connect (sofia, "answered", G_CALLBACK (answered_cb), seen);
  return sofia;
}

static void
agent_free (GstPgsmSofia * sofia, Seen * seen)
{
  gst_pgsm_sofia_shutdown (sofia);
  g_object_unref (sofia);
  remove_dir (seen->dir);
  g_mutex_clear (&seen->lock);
  g_cond_clear (&seen->cond);
}

/* Calls a server presenting @spec's certificate, Sofia verification on or
 * off; returns the final status the client got and whether the server saw
 * the INVITE */
static guint
call_server (const PgsmTestCertSpec * spec, gboolean verify,
    gboolean * server_saw)
{
  PgsmTestCert *cert = spec ? pgsm_test_pki_issue (pki, spec) :
      pgsm_test_pki_issue_server (pki, "good", "127.0.0.1");
  Seen server_seen = { 0, }, client_seen = { 0, };
  GstPgsmSofia *server = agent_new (cert, FALSE, &server_seen);
  GstPgsmSofia *client = agent_new (NULL, verify, &client_seen);
  gchar *uri, *id;
  gint64 deadline = g_get_monotonic_time () + WAIT_S * G_USEC_PER_SEC;
  guint status;

  uri = g_strdup_printf ("sips:bob@127.0.0.1:%u",
      gst_pgsm_sofia_get_bound_port (server));
  id = gst_pgsm_sofia_new_call_id ();
  gst_pgsm_sofia_invite (client, id, uri, SDP);

  g_mutex_lock (&client_seen.lock);
  while (client_seen.answered_status == 0)
    if (!g_cond_wait_until (&client_seen.cond, &client_seen.lock, deadline))
      break;
  status = client_seen.answered_status;
  g_mutex_unlock (&client_seen.lock);
  fail_unless (status != 0, "no final response within %d s", WAIT_S);

  agent_free (client, &client_seen);
  agent_free (server, &server_seen);
  *server_saw = server_seen.incoming > 0;
  g_free (uri);
  g_free (id);
  pgsm_test_cert_free (cert);
  return status;
}

static const gchar *const loop_dns[] = { "127.0.0.1", NULL };
static const gchar *const loop_ips[] = { "127.0.0.1", NULL };
static const gchar *const other_dns[] = { "other.test", NULL };

GST_START_TEST (test_trusted_server_gets_invite)
{
  gboolean saw = FALSE;
  guint status = call_server (NULL, TRUE, &saw);

  /* the server answered 486 itself: the INVITE got through */
  fail_unless (saw);
  fail_unless_equals_int (status, 486);
}

GST_END_TEST;

static void
check_refused_by_sofia (const PgsmTestCertSpec * spec)
{
  gboolean saw = TRUE;
  guint status = call_server (spec, TRUE, &saw);

  fail_if (saw, "%s: the server received the INVITE", spec->name);
  /* 408: Sofia drops the connection and lets the transaction time out */
  fail_unless (status >= 400, "%s: status %u", spec->name, status);
  GST_INFO ("%s: refused locally with %u", spec->name, status);
}

GST_START_TEST (test_sofia_verifies_server)
{
  PgsmTestCertSpec spec;

  memset (&spec, 0, sizeof (spec));
  spec.name = "unknown-ca";
  spec.cn = "127.0.0.1";
  spec.dns = loop_dns;
  spec.ips = loop_ips;
  spec.signer = PGSM_TEST_SIGNER_OTHER_ROOT;
  check_refused_by_sofia (&spec);

  spec.name = "expired";
  spec.signer = PGSM_TEST_SIGNER_INTERMEDIATE;
  spec.not_before = -60 * 86400;
  spec.not_after = -86400;
  check_refused_by_sofia (&spec);

  spec.name = "self-signed";
  spec.not_before = spec.not_after = 0;
  spec.signer = PGSM_TEST_SIGNER_SELF;
  check_refused_by_sofia (&spec);

  spec.name = "name-mismatch";
  spec.signer = PGSM_TEST_SIGNER_INTERMEDIATE;
  spec.cn = "other.test";
  spec.dns = other_dns;
  spec.ips = NULL;
  check_refused_by_sofia (&spec);
}

GST_END_TEST;

/* The reason the policy is set at all: Sofia's default verifies nothing */
GST_START_TEST (test_without_policy_sofia_accepts_anything)
{
  PgsmTestCertSpec spec;
  gboolean saw = FALSE;

  memset (&spec, 0, sizeof (spec));
  spec.name = "unknown-ca-unverified";
  spec.cn = "127.0.0.1";
  spec.dns = loop_dns;
  spec.ips = loop_ips;
  spec.signer = PGSM_TEST_SIGNER_OTHER_ROOT;
  call_server (&spec, FALSE, &saw);
  fail_unless (saw);
}

GST_END_TEST;

/* A caller that sends @request_uri over TLS, written by hand (GIO's TLS,
 * the server certificate not checked: the test is about the answer), with
 * @extra header lines; returns the Contact of the 180 and of the 200 the
 * agent answers with ("180|200" joined by " | "), then ACKs */
static guint raw_calls;

static gboolean
accept_any_cb (GTlsConnection * conn, GTlsCertificate * cert,
    GTlsCertificateFlags errors, gpointer data)
{
  return TRUE;
}

static void
client_event_cb (GSocketClient * client, GSocketClientEvent event,
    GSocketConnectable * connectable, GIOStream * conn, gpointer data)
{
  if (event == G_SOCKET_CLIENT_TLS_HANDSHAKING)
    g_signal_connect (conn, "accept-certificate", G_CALLBACK (accept_any_cb),
        NULL);
}

static gchar *
raw_call_contacts (guint port, const gchar * request_uri, const gchar * extra)
{
  GSocketClient *client = g_socket_client_new ();
  GSocketConnection *conn;
  GDataInputStream *in;
  GError *err = NULL;
  GString *contacts = g_string_new (NULL);
  gchar *invite, *ack, *to = NULL, *addr = g_strdup_printf ("127.0.0.1:%u",
      port);
  guint status = 0, n = ++raw_calls;

  g_socket_client_set_tls (client, TRUE);
  g_signal_connect (client, "event", G_CALLBACK (client_event_cb), NULL);
  g_socket_client_set_timeout (client, WAIT_S);
  conn = g_socket_client_connect_to_host (client, addr, port, NULL, &err);
  fail_unless (conn != NULL, "%s", err ? err->message : "");
  invite = g_strdup_printf ("INVITE %s SIP/2.0\r\n"
      "Via: SIP/2.0/TLS 127.0.0.1:5061;branch=z9hG4bK-raw-i%u;rport\r\n"
      "Max-Forwards: 70\r\n"
      "From: <sip:raw@127.0.0.1>;tag=raw1\r\n"
      "To: <sip:bob@127.0.0.1>\r\n"
      "Call-ID: raw-%u\r\n"
      "CSeq: 1 INVITE\r\n"
      "%s"
      "Content-Type: application/sdp\r\n"
      "Content-Length: %u\r\n\r\n%s", request_uri, n, n, extra,
      (guint) strlen (SDP), SDP);
  fail_unless (g_output_stream_write_all (g_io_stream_get_output_stream
          (G_IO_STREAM (conn)), invite, strlen (invite), NULL, NULL, &err),
      "%s", err ? err->message : "");
  in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM
          (conn)));
  g_data_input_stream_set_newline_type (in, G_DATA_STREAM_NEWLINE_TYPE_CR_LF);
  /* responses until the final one: status line, headers, body */
  while (status < 200) {
    gchar *line = g_data_input_stream_read_line (in, NULL, NULL, &err);
    guint length = 0;

    fail_unless (line != NULL, "no final response: %s",
        err ? err->message : "closed");
    fail_unless (sscanf (line, "SIP/2.0 %u", &status) == 1, "%s", line);
    g_free (line);
    while ((line = g_data_input_stream_read_line (in, NULL, NULL, &err))
        != NULL && *line != '\0') {
      if (g_ascii_strncasecmp (line, "Contact:", 8) == 0 && status > 100) {
        if (contacts->len > 0)
          g_string_append (contacts, " | ");
        g_string_append (contacts, g_strstrip (line + 8));
      } else if (g_ascii_strncasecmp (line, "Content-Length:", 15) == 0)
        length = (guint) g_ascii_strtoull (line + 15, NULL, 10);
      else if (g_ascii_strncasecmp (line, "To:", 3) == 0 && status >= 200) {
        g_free (to);
        to = g_strdup (g_strstrip (line + 3));
      }
      g_free (line);
    }
    fail_unless (line != NULL, "%s", err ? err->message : "closed");
    g_free (line);
    if (length > 0)
      fail_unless (g_input_stream_skip (G_INPUT_STREAM (in), length, NULL,
              &err) == (gssize) length);
  }
  fail_unless_equals_int (status, 200);
  ack = g_strdup_printf ("ACK %s SIP/2.0\r\n"
      "Via: SIP/2.0/TLS 127.0.0.1:5061;branch=z9hG4bK-raw-a%u;rport\r\n"
      "Max-Forwards: 70\r\n"
      "From: <sip:raw@127.0.0.1>;tag=raw1\r\n"
      "To: %s\r\n"
      "Call-ID: raw-%u\r\n"
      "CSeq: 1 ACK\r\n" "Content-Length: 0\r\n\r\n", request_uri, n, to, n);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM
          (conn)), ack, strlen (ack), NULL, NULL, NULL);
  g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
  g_object_unref (in);
  g_object_unref (conn);
  g_object_unref (client);
  g_free (invite);
  g_free (ack);
  g_free (to);
  g_free (addr);
  return g_string_free (contacts, FALSE);
}

/* RFC 3261 12.1.1: the Contact of our 180 and 200 is sips: only when the
 * Request-URI, the top Record-Route, or (without Record-Route) the
 * caller's Contact is; a caller that dialled sip:...;transport=tls over TLS
 * (baresip, which cannot send to sips:) gets sip:HOST:PORT;transport=tls,
 * the same TLS listener */
GST_START_TEST (test_contact_follows_request_uri)
{
  PgsmTestCert *cert = pgsm_test_pki_issue_server (pki, "bob", "127.0.0.1");
  Seen seen = { 0, };
  GstPgsmSofia *server = agent_new (cert, FALSE, &seen);
  guint port = gst_pgsm_sofia_get_bound_port (server);
  gchar *uri, *want, *got;

  seen.answer = TRUE;
  /* sip: over TLS */
  uri = g_strdup_printf ("sip:bob@127.0.0.1:%u;transport=tls", port);
  want = g_strdup_printf ("<sip:127.0.0.1:%u;transport=tls> | "
      "<sip:127.0.0.1:%u;transport=tls>", port, port);
  got = raw_call_contacts (port, uri, "Contact: <sip:raw@127.0.0.1:5061;"
      "transport=tls>\r\n");
  fail_unless_equals_string (got, want);
  g_free (got);
  /* a sips: Contact of the caller, no Record-Route: sips: */
  g_free (want);
  want = g_strdup_printf ("<sips:127.0.0.1:%u> | <sips:127.0.0.1:%u>", port,
      port);
  got = raw_call_contacts (port, uri, "Contact: <sips:raw@127.0.0.1:5061>"
      "\r\n");
  fail_unless_equals_string (got, want);
  g_free (got);
  /* a sips: top Record-Route: sips: */
  got = raw_call_contacts (port, uri, "Record-Route: <sips:127.0.0.1:5061;"
      "lr>\r\nContact: <sip:raw@127.0.0.1:5061;transport=tls>\r\n");
  fail_unless_equals_string (got, want);
  g_free (got);
  /* a sips: Request-URI: sips: */
  g_free (uri);
  uri = g_strdup_printf ("sips:bob@127.0.0.1:%u", port);
  got = raw_call_contacts (port, uri, "Contact: <sip:raw@127.0.0.1:5061;"
      "transport=tls>\r\n");
  fail_unless_equals_string (got, want);
  g_free (got);

  agent_free (server, &seen);
  g_free (uri);
  g_free (want);
  pgsm_test_cert_free (cert);
}

GST_END_TEST;

GST_START_TEST (test_start_stop_cycles)
{
  guint i;

  for (i = 0; i < 5; i++) {
    Seen seen = { 0, };
    GstPgsmSofia *sofia = agent_new (NULL, TRUE, &seen);

    agent_free (sofia, &seen);
  }
}

GST_END_TEST;

GST_START_TEST (test_bad_bind_url)
{
  GstPgsmSofiaConfig config = { 0, };
  GError *err = NULL;

  config.bind_url = "sips:192.0.2.1:0"; /* not a local address */
  fail_unless (gst_pgsm_sofia_new (&config, &err) == NULL);
  fail_unless (err != NULL);
  g_error_free (err);
}

GST_END_TEST;

static Suite *
pgsmsofia_suite (void)
{
  Suite *s = suite_create ("pgsmsofia");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_checked_fixture (tc, pki_setup, pki_teardown);
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_start_stop_cycles);
  tcase_add_test (tc, test_bad_bind_url);
  tcase_add_test (tc, test_trusted_server_gets_invite);
  tcase_add_test (tc, test_sofia_verifies_server);
  tcase_add_test (tc, test_without_policy_sofia_accepts_anything);
  tcase_add_test (tc, test_contact_follows_request_uri);
  return s;
}

GST_CHECK_MAIN (pgsmsofia);
