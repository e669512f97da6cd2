/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* pgsmsipbin against SIP peers we did not write, which check our digest
 * credentials (RFC 3261 22): sipp with tests/sipp/registrar.xml (REGISTER)
 * and tests/sipp/uas-digest.xml (a 407 to our INVITE), the digest checked
 * by sipp's verifyauth, behind stunnel4 for TLS, on loopback, with a test
 * PKI made at run time. Both programs are stopped by PID. Skipped (with a
 * warning) when sipp or stunnel4 is not installed. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <signal.h>
#include <sys/wait.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gst/check/gstcheck.h>
#include <gst/pgsm/pgsm.h>
#include "pki.h"

#define WAIT_S 20
#define PASSWORD "s3cret-pw-7Hq"

static PgsmTestPki *pki;

/* stunnel (TLS on tls_port) in front of sipp (TCP on tcp_port) */
typedef struct
{
  gchar *dir;
  guint tls_port;
  guint tcp_port;
  GPid sipp;
  GPid stunnel;
} Registrar;

static void
pki_setup (void)
{
  pki = pgsm_test_pki_new_tmp ("pgsm-reg-pki");
  fail_unless (pki != NULL);
}

static void
pki_teardown (void)
{
  g_clear_pointer (&pki, pgsm_test_pki_free);
}

static gboolean
have_tools (void)
{
  gchar *sipp = g_find_program_in_path ("sipp");
  gchar *stunnel = g_find_program_in_path ("stunnel4");
  gboolean ok = sipp != NULL && stunnel != NULL;

  g_free (sipp);
  g_free (stunnel);
  if (!ok)
    GST_WARNING ("sipp or stunnel4 not installed: skipping");
  return ok;
}

/* A TCP port that was free a moment ago */
static guint
free_tcp_port (void)
{
  GSocketListener *l = g_socket_listener_new ();
  guint16 port = g_socket_listener_add_any_inet_port (l, NULL, NULL);

  g_socket_listener_close (l);
  g_object_unref (l);
  return port;
}

static gboolean
port_accepts (guint port)
{
  GSocketClient *c = g_socket_client_new ();
  GSocketConnection *conn;

  conn = g_socket_client_connect_to_host (c, "127.0.0.1", port, NULL, NULL);
  g_object_unref (c);
  if (conn == NULL)
    return FALSE;
  g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
  g_object_unref (conn);
  return TRUE;
}

static GPid
spawn (gchar ** argv)
{
  GError *err = NULL;
  GPid pid = 0;

  fail_unless (g_spawn_async (NULL, argv, NULL,
          G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL |
          G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &pid, &err), "%s",
      err ? err->message : "");
  return pid;
}

/* Waits up to @seconds for @pid to exit by itself; its exit status, or -1
 * (then it is still running) */
static gint
wait_pid (GPid pid, guint seconds)
{
  gint64 deadline = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;
  int status;

  while (g_get_monotonic_time () < deadline) {
    if (waitpid (pid, &status, WNOHANG) == pid)
      return WIFEXITED (status) ? WEXITSTATUS (status) : 128;
    g_usleep (50 * 1000);
  }
  return -1;
}

static void
stop_pid (GPid * pid)
{
  if (*pid <= 0)
    return;
  kill (*pid, SIGTERM);
  waitpid (*pid, NULL, 0);
  g_spawn_close_pid (*pid);
  *pid = 0;
}

/* Starts sipp with @scenario (in tests/sipp) and stunnel on the peer's
 * ports (new ones the first time), the accepted password being @password
 * and the media port of its SDP @mport; returns once stunnel accepts */
static void
peer_start (Registrar * r, const gchar * scenario_name,
    const gchar * password, guint mport)
{
  PgsmTestCert *cert;
  gchar *conf, *conf_file, *scenario, *tcp, *tls, *media;
  gint64 deadline;

  if (r->dir == NULL) {
    r->dir = g_dir_make_tmp ("pgsm-registrar-XXXXXX", NULL);
    r->tls_port = free_tcp_port ();
    r->tcp_port = free_tcp_port ();
  }
  cert = pgsm_test_pki_issue_server (pki, "registrar", "127.0.0.1");
  conf = g_strdup_printf ("foreground = yes\npid =\ndebug = 3\n"
      "[sip]\naccept = 127.0.0.1:%u\nconnect = 127.0.0.1:%u\n"
      "cert = %s\nkey = %s\n", r->tls_port, r->tcp_port, cert->chain_file,
      cert->key_file);
  conf_file = g_build_filename (r->dir, "stunnel.conf", NULL);
  fail_unless (g_file_set_contents (conf_file, conf, -1, NULL));
  scenario = g_build_filename (TEST_SOURCE_DIR, "..", "sipp", scenario_name,
      NULL);
  tcp = g_strdup_printf ("%u", r->tcp_port);
  tls = g_strdup_printf ("%u", r->tls_port);
  media = g_strdup_printf ("%u", mport);
  {
    gchar *argv[] = { (gchar *) "sipp", (gchar *) "-sf", scenario,
      (gchar *) "-t", (gchar *) "t1", (gchar *) "-i", (gchar *) "127.0.0.1",
      (gchar *) "-p", tcp, (gchar *) "-m", (gchar *) "1",
      (gchar *) "-key", (gchar *) "pass", (gchar *) password,
      (gchar *) "-key", (gchar *) "tlsport", tls,
      (gchar *) "-key", (gchar *) "mport", media,
      (gchar *) "-timeout", (gchar *) "60s", (gchar *) "-nostdin", NULL
    };
    r->sipp = spawn (argv);
  }
  {
    gchar *argv[] = { (gchar *) "stunnel4", conf_file, NULL };
    r->stunnel = spawn (argv);
  }
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (!port_accepts (r->tls_port) && g_get_monotonic_time () < deadline)
    g_usleep (50 * 1000);
  fail_unless (port_accepts (r->tls_port), "stunnel did not start");
  g_free (media);
  g_free (tls);
  g_free (tcp);
  g_free (scenario);
  g_free (conf_file);
  g_free (conf);
  pgsm_test_cert_free (cert);
}

static void
registrar_stop (Registrar * r)
{
  stop_pid (&r->stunnel);
  stop_pid (&r->sipp);
}

static void
registrar_free (Registrar * r)
{
  registrar_stop (r);
  if (r->dir != NULL) {
    gchar *conf = g_build_filename (r->dir, "stunnel.conf", NULL);

    g_unlink (conf);
    g_free (conf);
    g_rmdir (r->dir);
  }
  g_free (r->dir);
}

typedef struct
{
  GstElement *pipeline;
  GstElement *bin;
  GstBus *bus;
} Phone;

static Phone *
phone_new (const Registrar * r, const gchar * password)
{
  Phone *p = g_new0 (Phone, 1);
  gchar *registrar = g_strdup_printf ("sips:127.0.0.1:%u", r->tls_port);

  p->pipeline = gst_parse_launch ("audiotestsrc is-live=true ! "
      "pgsmsipbin name=sip ! fakesink sync=false", NULL);
  fail_unless (p->pipeline != NULL);
  p->bin = gst_bin_get_by_name (GST_BIN (p->pipeline), "sip");
  g_object_set (p->bin, "listen-uri", "sips:127.0.0.1:0",
      "local-uri", "sips:alice@127.0.0.1", "ca-file", pki->root_ca_file,
      "registrar", registrar, "username", "alice", "password", password,
      NULL);
  g_free (registrar);
  p->bus = gst_element_get_bus (p->pipeline);
  return p;
}

static void
phone_free (Phone * p)
{
  fail_unless_equals_int (gst_element_set_state (p->pipeline,
          GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (p->bus);
  gst_object_unref (p->bin);
  gst_object_unref (p->pipeline);
  g_free (p);
}

/* Pops messages until a `pgsm-call` in @state (returned), an ERROR
 * (returned when @error_ok) or a WARNING (counted in @warnings) */
static GstMessage *
wait_state (Phone * p, const gchar * state, gboolean error_ok,
    guint * warnings)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_S * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline) {
    GstMessage *msg = gst_bus_timed_pop (p->bus, 100 * GST_MSECOND);
    const GstStructure *s;

    if (msg == NULL)
      continue;
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
      GError *err = NULL;
      gchar *dbg = NULL;

      if (error_ok)
        return msg;
      gst_message_parse_error (msg, &err, &dbg);
      fail ("unexpected error waiting for '%s': %s (%s)", state,
          err->message, dbg);
    }
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING && warnings != NULL)
      (*warnings)++;
    s = gst_message_get_structure (msg);
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ELEMENT
        && gst_structure_has_name (s, "pgsm-call")
        && g_strcmp0 (gst_structure_get_string (s, "state"), state) == 0)
      return msg;
    gst_message_unref (msg);
  }
  fail ("no '%s' within %d s", state, WAIT_S);
  return NULL;
}

/* REGISTER, 401 challenge, REGISTER with the digest, 200: `registering`
 * then `registered` with the expiry; the un-REGISTER at NULL is answered */
GST_START_TEST (test_register_digest)
{
  Registrar r = { 0, };
  Phone *p;
  GstMessage *msg;
  guint status = 0, expires = 0;

  if (!have_tools ())
    return;
  peer_start (&r, "registrar.xml", PASSWORD, 0);
  p = phone_new (&r, PASSWORD);
  fail_if (gst_element_set_state (p->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  gst_message_unref (wait_state (p, "registering", FALSE, NULL));
  msg = wait_state (p, "registered", FALSE, NULL);
  fail_unless (gst_structure_get_uint (gst_message_get_structure (msg),
          "status", &status));
  fail_unless (gst_structure_get_uint (gst_message_get_structure (msg),
          "expires", &expires));
  fail_unless_equals_int (status, 200);
  fail_unless_equals_int (expires, 600);
  gst_message_unref (msg);
  phone_free (p);
  registrar_free (&r);
}

GST_END_TEST;

/* A wrong password: the registrar's 403 becomes an ERROR (NOT_AUTHORIZED)
 * and `failed`; the password never shows in the error */
GST_START_TEST (test_register_wrong_password)
{
  Registrar r = { 0, };
  Phone *p;
  GstMessage *msg;
  GError *err = NULL;
  gchar *dbg = NULL;

  if (!have_tools ())
    return;
  peer_start (&r, "registrar.xml", PASSWORD, 0);
  p = phone_new (&r, "not-the-password");
  fail_if (gst_element_set_state (p->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  msg = wait_state (p, "registered", TRUE, NULL);
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_ERROR);
  gst_message_parse_error (msg, &err, &dbg);
  fail_unless (g_error_matches (err, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_NOT_AUTHORIZED), "%s", err->message);
  fail_unless (strstr (dbg, "403") != NULL, "%s", dbg);
  fail_if (strstr (dbg, "not-the-password") != NULL);
  g_clear_error (&err);
  g_free (dbg);
  gst_message_unref (msg);
  phone_free (p);
  registrar_free (&r);
}

GST_END_TEST;

/* The registrar is down when the phone starts: a WARNING, `registering`
 * stays, and once the registrar is up the phone registers within the retry
 * interval (5 s) */
GST_START_TEST (test_registrar_down_then_back)
{
  Registrar r = { 0, };
  Phone *p;
  guint warnings = 0;
  gint64 t0;

  if (!have_tools ())
    return;
  r.dir = g_dir_make_tmp ("pgsm-registrar-XXXXXX", NULL);
  r.tls_port = free_tcp_port ();
  r.tcp_port = free_tcp_port ();
  p = phone_new (&r, PASSWORD);
  fail_if (gst_element_set_state (p->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  gst_message_unref (wait_state (p, "registering", FALSE, &warnings));
  /* the first attempt fails: connection refused */
  g_usleep (G_USEC_PER_SEC);
  peer_start (&r, "registrar.xml", PASSWORD, 0);
  t0 = g_get_monotonic_time ();
  gst_message_unref (wait_state (p, "registered", FALSE, &warnings));
  GST_INFO ("registered %.1f s after the registrar came back, %u warnings",
      (g_get_monotonic_time () - t0) / 1e6, warnings);
  fail_unless (warnings >= 1);
  fail_unless (g_get_monotonic_time () - t0 < 8 * G_USEC_PER_SEC);
  phone_free (p);
  registrar_free (&r);
}

GST_END_TEST;

/* A UDP socket on loopback standing for the peer's RTP port */
static GSocket *
media_socket (guint * port)
{
  GInetAddress *lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  GSocketAddress *sa = g_inet_socket_address_new (lo, 0);
  GSocket *sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
      G_SOCKET_PROTOCOL_UDP, NULL);
  GSocketAddress *bound;

  fail_unless (g_socket_bind (sock, sa, FALSE, NULL));
  bound = g_socket_get_local_address (sock, NULL);
  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_socket_set_blocking (sock, FALSE);
  g_object_unref (bound);
  g_object_unref (sa);
  g_object_unref (lo);
  return sock;
}

static Phone *
caller_new (const Registrar * r, const gchar * password)
{
  Phone *p = g_new0 (Phone, 1);
  gchar *uri = g_strdup_printf ("sips:bob@127.0.0.1:%u", r->tls_port);

  p->pipeline = gst_parse_launch ("audiotestsrc is-live=true ! "
      "pgsmsipbin name=sip ! fakesink sync=false", NULL);
  fail_unless (p->pipeline != NULL);
  p->bin = gst_bin_get_by_name (GST_BIN (p->pipeline), "sip");
  /* the peer sends no RTP: no media watch */
  g_object_set (p->bin, "listen-uri", "sips:127.0.0.1:0",
      "local-uri", "sips:alice@127.0.0.1", "ca-file", pki->root_ca_file,
      "username", "alice", "password", password, "remote-uri", uri,
      "media-timeout", 0, NULL);
  g_free (uri);
  p->bus = gst_element_get_bus (p->pipeline);
  return p;
}

/* 407 to our INVITE: we answer the challenge, the peer checks the digest
 * and answers with SDES; the call is secured, SRTP reaches the peer's
 * media port, and our BYE completes the peer's scenario */
GST_START_TEST (test_invite_digest)
{
  Registrar r = { 0, };
  Phone *p;
  GstMessage *msg;
  GSocket *media;
  guint mport = 0, packets = 0;
  gchar *call_id;
  gboolean ok = FALSE;
  guint8 buf[2048];
  gint64 deadline;

  if (!have_tools ())
    return;
  media = media_socket (&mport);
  peer_start (&r, "uas-digest.xml", PASSWORD, mport);
  p = caller_new (&r, PASSWORD);
  fail_if (gst_element_set_state (p->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  msg = wait_state (p, "secured", FALSE, NULL);
  fail_unless_equals_string (gst_structure_get_string
      (gst_message_get_structure (msg), "suite"), "AES_CM_128_HMAC_SHA1_80");
  call_id = g_strdup (gst_structure_get_string (gst_message_get_structure
          (msg), "call-id"));
  gst_message_unref (msg);
  gst_message_unref (wait_state (p, "established", FALSE, NULL));

  /* SRTP at the peer's media port: RTP v2, 12 + 160 + 10 bytes */
  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (packets < 10 && g_get_monotonic_time () < deadline) {
    gssize n = g_socket_receive (media, (gchar *) buf, sizeof (buf), NULL,
        NULL);

    if (n < 0) {
      g_usleep (20 * 1000);
      continue;
    }
    fail_unless_equals_int (buf[0] >> 6, 2);
    fail_unless_equals_int (n, 12 + 160 + 10);
    packets++;
  }
  fail_unless (packets >= 10, "only %u packets at the peer", packets);

  g_signal_emit_by_name (p->bin, "hangup", call_id, &ok);
  fail_unless (ok);
  gst_message_unref (wait_state (p, "ended", FALSE, NULL));
  /* sipp saw the whole scenario: INVITE, 407, ACK, INVITE with the
   * digest, 200, ACK, BYE */
  fail_unless_equals_int (wait_pid (r.sipp, 10), 0);
  g_spawn_close_pid (r.sipp);
  r.sipp = 0;

  g_free (call_id);
  phone_free (p);
  registrar_free (&r);
  g_object_unref (media);
}

GST_END_TEST;

/* A wrong password: the peer's 403 after our answer ends the call
 * `failed` with that status */
GST_START_TEST (test_invite_wrong_password)
{
  Registrar r = { 0, };
  Phone *p;
  GstMessage *msg;
  GSocket *media;
  guint mport = 0, status = 0;

  if (!have_tools ())
    return;
  media = media_socket (&mport);
  peer_start (&r, "uas-digest.xml", PASSWORD, mport);
  p = caller_new (&r, "not-the-password");
  fail_if (gst_element_set_state (p->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  msg = wait_state (p, "failed", FALSE, NULL);
  fail_unless (gst_structure_get_uint (gst_message_get_structure (msg),
          "status", &status));
  fail_unless_equals_int (status, 403);
  gst_message_unref (msg);
  fail_unless_equals_int (wait_pid (r.sipp, 10), 0);
  g_spawn_close_pid (r.sipp);
  r.sipp = 0;
  phone_free (p);
  registrar_free (&r);
  g_object_unref (media);
}

GST_END_TEST;

static Suite *
pgsmsipauth_suite (void)
{
  Suite *s = suite_create ("pgsmsipauth");
  TCase *tc = tcase_create ("general");

  tcase_add_unchecked_fixture (tc, pki_setup, pki_teardown);
  tcase_set_timeout (tc, 120);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_register_digest);
  tcase_add_test (tc, test_register_wrong_password);
  tcase_add_test (tc, test_registrar_down_then_back);
  tcase_add_test (tc, test_invite_digest);
  tcase_add_test (tc, test_invite_wrong_password);
  return s;
}

GST_CHECK_MAIN (pgsmsipauth);
