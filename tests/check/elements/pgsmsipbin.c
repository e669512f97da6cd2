/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* pgsmsipbin against pgsmsipbin on loopback: real Sofia-SIP over TLS, real
 * SRTP (pgsmsrtpenc/dec), real UDP, and a test PKI made when the test runs.
 * "bob" listens with a server certificate and answers; "alice" calls. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <math.h>
#include <stdio.h>
#include <gst/check/gstcheck.h>
#include <gst/rtp/gstrtpbuffer.h>
#include <gst/pgsm/pgsm.h>
#include "sipphone.h"

#define ALICE_FREQ 440.0
#define BOB_FREQ 1000.0

/* A side of a call: a tone of @freq at volume 0.5 */
static PgsmTestPhone *
side_new (gdouble freq)
{
  return pgsm_test_phone_new (NULL, freq, 0.5);
}

static PgsmTestPhone *
bob_new (const PgsmTestCert * cert, gboolean auto_answer)
{
  PgsmTestPhone *bob = side_new (BOB_FREQ);

  pgsm_test_phone_set_tls (bob, cert);
  g_object_set (bob->bin, "local-uri", "sips:bob@127.0.0.1", "auto-answer",
      auto_answer, NULL);
  pgsm_test_phone_start (bob);
  return bob;
}

static PgsmTestPhone *
alice_new (guint bob_port)
{
  PgsmTestPhone *alice = side_new (ALICE_FREQ);
  gchar *uri = g_strdup_printf ("sips:bob@127.0.0.1:%u", bob_port);

  pgsm_test_phone_set_tls (alice, NULL);
  g_object_set (alice->bin, "local-uri", "sips:alice@127.0.0.1",
      "remote-uri", uri, NULL);
  g_free (uri);
  pgsm_test_phone_start (alice);
  return alice;
}

/* @side hears @want since its start (0.5 s of warm-up, then 1 s to
 * measure); a 0.5-volume sine has RMS ~ 11585, G.711 keeps it within a
 * few % */
static void
assert_tone (PgsmTestPhone * side, gdouble want)
{
  pgsm_test_phone_assert_tone (side, 0, want, 8000, 14000);
}

/* The tone @want is heard in the audio @side receives from now on */
static void
assert_tone_from_now (PgsmTestPhone * side, gdouble want)
{
  pgsm_test_phone_assert_tone (side, pgsm_test_phone_n_samples (side), want,
      8000, 14000);
}

static gboolean
have_srtp (void)
{
  GstElementFactory *f = gst_element_factory_find ("pgsmsrtpenc");

  if (f == NULL)
    return FALSE;
  gst_object_unref (f);
  return TRUE;
}

static guint
count_threads (void)
{
  GDir *dir = g_dir_open ("/proc/self/task", 0, NULL);
  guint n = 0;

  if (dir == NULL)
    return 0;
  while (g_dir_read_name (dir) != NULL)
    n++;
  g_dir_close (dir);
  return n;
}

/* One full call: set-up, tones both ways, hang-up by alice */
static void
run_call (PgsmTestCert * cert)
{
  PgsmTestPhone *bob, *alice;
  GstMessage *msg;
  const GstStructure *s;
  gchar *call_id;
  const gchar *state;

  bob = bob_new (cert, TRUE);
  fail_unless (pgsm_test_phone_bound_port (bob) != 0);
  alice = alice_new (pgsm_test_phone_bound_port (bob));

  msg = pgsm_test_phone_wait (alice, "secured");
  s = pgsm_test_phone_call_info (msg, &state);
  call_id = g_strdup (gst_structure_get_string (s, "call-id"));
  fail_unless_equals_string (gst_structure_get_string (s, "suite"),
      "AES_CM_128_HMAC_SHA1_80");
  fail_unless_equals_string (gst_structure_get_string (s, "codec"), "PCMU");
  fail_unless_equals_string (gst_structure_get_string (s,
          "peer-certificate-sha256"), cert->sha256);
  fail_unless (strstr (gst_structure_get_string (s, "tls-description"),
          "TLS1.") != NULL);
  GST_INFO ("secured: %" GST_PTR_FORMAT, s);
  gst_message_unref (msg);
  msg = pgsm_test_phone_wait (bob, "secured");
  s = pgsm_test_phone_call_info (msg, &state);
  fail_unless_equals_string (gst_structure_get_string (s, "call-id"), call_id);
  gst_message_unref (msg);
  gst_message_unref (pgsm_test_phone_wait (alice, "established"));

  assert_tone (alice, BOB_FREQ);
  assert_tone (bob, ALICE_FREQ);

  pgsm_test_phone_action (alice, "hangup", call_id);
  gst_message_unref (pgsm_test_phone_wait (alice, "ended"));
  gst_message_unref (pgsm_test_phone_wait (bob, "ended"));
  g_free (call_id);

  pgsm_test_phone_free (alice);
  pgsm_test_phone_free (bob);
}

GST_START_TEST (test_call_tones_both_ways)
{
  PgsmTestCert *cert;

  if (!have_srtp ()) {
    GST_WARNING ("pgsmsrtpenc not available, skipping");
    return;
  }
  cert = pgsm_test_pki_issue_server (pgsm_test_phone_pki, "bob", "127.0.0.1");
  run_call (cert);
  pgsm_test_cert_free (cert);
}

GST_END_TEST;

/* Bob listens and answers, alice calls him; returns the call-id once both
 * sides posted `secured` */
static gchar *
start_secured_call (const PgsmTestCert * cert, PgsmTestPhone ** bob,
    PgsmTestPhone ** alice)
{
  gchar *call_id;

  *bob = bob_new (cert, TRUE);
  *alice = alice_new (pgsm_test_phone_bound_port (*bob));
  call_id =
      pgsm_test_phone_take_call_id (pgsm_test_phone_wait (*alice, "secured"));
  gst_message_unref (pgsm_test_phone_wait (*bob, "secured"));
  return call_id;
}

/* How many samples @side receives in @ms milliseconds, after a settling
 * time */
static guint
samples_during (PgsmTestPhone * side, guint ms)
{
  guint before, after;

  g_usleep (400 * 1000);
  before = pgsm_test_phone_n_samples (side);
  g_usleep (ms * 1000);
  after = pgsm_test_phone_n_samples (side);
  return after - before;
}

static void
expect_state (PgsmTestPhone * side, const gchar * state, const gchar * field,
    const gchar * value, gboolean rekeyed)
{
  GstMessage *msg = pgsm_test_phone_wait (side, state);
  const GstStructure *s = pgsm_test_phone_call_info (msg, &state);
  gboolean got = FALSE;

  if (field != NULL)
    fail_unless_equals_string (gst_structure_get_string (s, field), value);
  fail_unless (gst_structure_get_boolean (s, "rekeyed", &got));
  fail_unless_equals_int (got, rekeyed);
  gst_message_unref (msg);
}

/* @callee refused @caller's offer with 488, saying @why */
static void
expect_refused_488 (PgsmTestPhone * callee, PgsmTestPhone * caller,
    const gchar * why)
{
  GstMessage *msg = pgsm_test_phone_wait (callee, "failed");
  const gchar *reason = pgsm_test_phone_msg_string (msg, "reason");

  fail_unless_equals_int (pgsm_test_phone_msg_uint (msg, "status"), 488);
  fail_unless (reason != NULL && strstr (reason, why) != NULL, "%s", reason);
  gst_message_unref (msg);
  msg = pgsm_test_phone_wait (caller, "failed");
  fail_unless_equals_int (pgsm_test_phone_msg_uint (msg, "status"), 488);
  gst_message_unref (msg);
}

/* Hold, resume and rekey by re-INVITE (RFC 3264 8.4, RFC 4568 7.1.4): the
 * held side stops sending, audio comes back both ways after resume (no
 * one-way audio), and a new key from either side keeps the audio going */
GST_START_TEST (test_hold_resume_rekey)
{
  PgsmTestCert *cert;
  PgsmTestPhone *bob, *alice;
  gchar *call_id;
  guint n;

  if (!have_srtp ()) {
    GST_WARNING ("pgsmsrtpenc not available, skipping");
    return;
  }
  cert = pgsm_test_pki_issue_server (pgsm_test_phone_pki, "bob", "127.0.0.1");
  call_id = start_secured_call (cert, &bob, &alice);
  gst_message_unref (pgsm_test_phone_wait (alice, "established"));
  assert_tone (alice, BOB_FREQ);
  assert_tone (bob, ALICE_FREQ);

  /* alice holds: bob is asked not to send, alice still sends */
  pgsm_test_phone_action (alice, "hold", call_id);
  expect_state (alice, "held", "held-by", "local", FALSE);
  expect_state (bob, "held", "held-by", "remote", FALSE);
  n = samples_during (alice, 1000);
  GST_INFO ("alice received %u samples in 1 s on hold", n);
  fail_unless (n < 800, "alice still receives audio on hold: %u samples", n);
  assert_tone_from_now (bob, ALICE_FREQ);
  pgsm_test_phone_action (alice, "resume", call_id);
  expect_state (alice, "secured", NULL, NULL, FALSE);
  expect_state (bob, "secured", NULL, NULL, FALSE);
  assert_tone_from_now (alice, BOB_FREQ);
  assert_tone_from_now (bob, ALICE_FREQ);

  /* bob (the callee) sends new keys: both sides see them in force */
  pgsm_test_phone_action (bob, "rekey", call_id);
  expect_state (bob, "secured", NULL, NULL, TRUE);
  expect_state (alice, "secured", NULL, NULL, TRUE);
  assert_tone_from_now (alice, BOB_FREQ);
  assert_tone_from_now (bob, ALICE_FREQ);

  /* bob holds too, then resumes */
  pgsm_test_phone_action (bob, "hold", call_id);
  expect_state (bob, "held", "held-by", "local", FALSE);
  expect_state (alice, "held", "held-by", "remote", FALSE);
  n = samples_during (bob, 1000);
  fail_unless (n < 800, "bob still receives audio on hold: %u samples", n);
  pgsm_test_phone_action (bob, "resume", call_id);
  expect_state (bob, "secured", NULL, NULL, FALSE);
  assert_tone_from_now (alice, BOB_FREQ);
  assert_tone_from_now (bob, ALICE_FREQ);

  pgsm_test_phone_action (alice, "hangup", call_id);
  gst_message_unref (pgsm_test_phone_wait (alice, "ended"));
  gst_message_unref (pgsm_test_phone_wait (bob, "ended"));
  g_free (call_id);
  pgsm_test_phone_free (alice);
  pgsm_test_phone_free (bob);
  pgsm_test_cert_free (cert);
}

GST_END_TEST;

static gpointer
set_null_thread (gpointer data)
{
  PgsmTestPhone *side = data;

  gst_element_set_state (side->pipeline, GST_STATE_NULL);
  return GINT_TO_POINTER (1);
}

/* The other side hangs up and the application stops its pipeline as soon
 * as it reads `ended`, with a sink that syncs on the clock (as
 * autoaudiosink does): the bin's media teardown in the Sofia thread and
 * the application's state change must not wait for each other */
GST_START_TEST (test_stop_right_after_remote_hangup)
{
  PgsmTestCert *cert;
  PgsmTestPhone *bob, *alice;
  gchar *call_id;
  guint round;

  if (!have_srtp ()) {
    GST_WARNING ("pgsmsrtpenc not available, skipping");
    return;
  }
  cert = pgsm_test_pki_issue_server (pgsm_test_phone_pki, "bob", "127.0.0.1");
  for (round = 0; round < 3; round++) {
    GThread *thread;
    gint64 deadline;
    gboolean done = FALSE;

    bob = side_new (BOB_FREQ);
    g_object_set (bob->sink, "sync", TRUE, NULL);
    g_object_set (bob->bin, "listen-uri", "sips:127.0.0.1:0",
        "cert-file", cert->chain_file, "key-file", cert->key_file,
        "auto-answer", TRUE, NULL);
    pgsm_test_phone_start (bob);
    alice = alice_new (pgsm_test_phone_bound_port (bob));
    call_id =
        pgsm_test_phone_take_call_id (pgsm_test_phone_wait (alice, "secured"));
    gst_message_unref (pgsm_test_phone_wait (bob, "secured"));
    pgsm_test_phone_wait_samples (bob, 4000);

    pgsm_test_phone_action (alice, "hangup", call_id);
    gst_message_unref (pgsm_test_phone_wait (bob, "ended"));
    thread = g_thread_new ("set-null", set_null_thread, bob);
    deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
    while (!done && g_get_monotonic_time () < deadline) {
      GstState state;

      gst_element_get_state (bob->pipeline, &state, NULL, 0);
      done = state == GST_STATE_NULL;
      if (!done)
        g_usleep (10 * 1000);
    }
    fail_unless (done, "round %u: stopping after `ended` hangs", round);
    fail_unless (g_thread_join (thread) != NULL);
    pgsm_test_phone_free (bob);
    pgsm_test_phone_free (alice);
    g_free (call_id);
  }
  pgsm_test_cert_free (cert);
}

GST_END_TEST;

/* Collects the digits of `pgsm-dtmf` messages on @side's bus until @n
 * arrived (or PGSM_TEST_PHONE_WAIT_S passed) */
static gchar *
wait_digits (PgsmTestPhone * side, guint n, const gchar * call_id)
{
  gint64 deadline =
      g_get_monotonic_time () + PGSM_TEST_PHONE_WAIT_S * G_USEC_PER_SEC;
  GString *digits = g_string_new (NULL);

  while (digits->len < n && g_get_monotonic_time () < deadline) {
    GstMessage *msg = gst_bus_timed_pop (side->bus, 100 * GST_MSECOND);
    const GstStructure *s;

    if (msg == NULL)
      continue;
    fail_if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR);
    s = gst_message_get_structure (msg);
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ELEMENT
        && gst_structure_has_name (s, "pgsm-dtmf")) {
      fail_unless_equals_string (gst_structure_get_string (s, "call-id"),
          call_id);
      g_string_append (digits, gst_structure_get_string (s, "digit"));
    }
    fail_if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ELEMENT
        && gst_structure_has_name (s, "dtmf-event"),
        "rtpdtmfdepay's own message leaked out of the bin");
    gst_message_unref (msg);
  }
  return g_string_free (digits, FALSE);
}

/* RFC 4733 DTMF both ways inside the SRTP stream: every digit arrives once
 * and in order, the audio goes on, invalid digits are refused */
GST_START_TEST (test_send_dtmf)
{
  PgsmTestCert *cert;
  PgsmTestPhone *bob, *alice;
  gchar *call_id, *got;
  gboolean ok = TRUE;

  if (!have_srtp ()) {
    GST_WARNING ("pgsmsrtpenc not available, skipping");
    return;
  }
  cert = pgsm_test_pki_issue_server (pgsm_test_phone_pki, "bob", "127.0.0.1");
  call_id = start_secured_call (cert, &bob, &alice);
  assert_tone (bob, ALICE_FREQ);

  g_signal_emit_by_name (alice->bin, "send-dtmf", call_id, "1#9*0D", &ok);
  fail_unless (ok);
  got = wait_digits (bob, 6, call_id);
  fail_unless_equals_string (got, "1#9*0D");
  g_free (got);

  g_signal_emit_by_name (bob->bin, "send-dtmf", call_id, "42", &ok);
  fail_unless (ok);
  got = wait_digits (alice, 2, call_id);
  fail_unless_equals_string (got, "42");
  g_free (got);

  g_signal_emit_by_name (alice->bin, "send-dtmf", call_id, "12x", &ok);
  fail_if (ok);
  g_signal_emit_by_name (alice->bin, "send-dtmf", call_id, "", &ok);
  fail_if (ok);
  g_signal_emit_by_name (alice->bin, "send-dtmf", "no-such-call", "1", &ok);
  fail_if (ok);

  assert_tone_from_now (bob, ALICE_FREQ);
  assert_tone_from_now (alice, BOB_FREQ);
  pgsm_test_phone_action (alice, "hangup", call_id);
  gst_message_unref (pgsm_test_phone_wait (bob, "ended"));
  g_free (call_id);
  pgsm_test_phone_free (alice);
  pgsm_test_phone_free (bob);
  pgsm_test_cert_free (cert);
}

GST_END_TEST;

/* ---- several calls at once (max-calls) ---------------------------------- */

#define N_CALLS 3

static const gdouble alice_freqs[N_CALLS] = { 440.0, 600.0, 800.0 };
static const gdouble bob_slot_freqs[N_CALLS] = { 1000.0, 1500.0, 2000.0 };

/* Bob, answering up to N_CALLS calls: slot n sends bob_slot_freqs[n]
 * (sink, sink_1, sink_2) and what it receives goes to rx[n] (src, src_1,
 * src_2); slot 0 is the phone's own tone and appsink */
typedef struct
{
  PgsmTestPhone *side;
  PgsmTestPhone *rx[N_CALLS];   /* rx[0] is side */
} MultiBob;

static void
multi_pad_added_cb (GstElement * bin, GstPad * pad, MultiBob * bob)
{
  guint n;
  GstPad *sink;

  if (sscanf (GST_PAD_NAME (pad), "src_%u", &n) != 1 || n >= N_CALLS)
    return;
  sink = gst_element_get_static_pad (bob->rx[n]->sink, "sink");
  fail_unless_equals_int (gst_pad_link (pad, sink), GST_PAD_LINK_OK);
  gst_object_unref (sink);
}

static MultiBob *
multi_bob_new (const PgsmTestCert * cert)
{
  MultiBob *bob = g_new0 (MultiBob, 1);
  guint n;

  bob->side = side_new (bob_slot_freqs[0]);
  bob->rx[0] = bob->side;
  g_object_set (bob->side->bin, "listen-uri", "sips:127.0.0.1:0",
      "cert-file", cert->chain_file, "key-file", cert->key_file,
      "auto-answer", TRUE, "max-calls", N_CALLS, NULL);
  for (n = 1; n < N_CALLS; n++) {
    GstElement *src = gst_element_factory_make ("audiotestsrc", NULL);
    gchar *name = g_strdup_printf ("sink_%u", n);

    g_object_set (src, "is-live", TRUE, "freq", bob_slot_freqs[n], "volume",
        0.5, "samplesperbuffer", 160, NULL);
    gst_bin_add (GST_BIN (bob->side->pipeline), src);
    fail_unless (gst_element_link_pads (src, "src", bob->side->bin, name),
        "%s", name);
    g_free (name);
    bob->rx[n] = pgsm_test_phone_new_rx ();
    gst_bin_add (GST_BIN (bob->side->pipeline), bob->rx[n]->sink);
  }
  g_signal_connect (bob->side->bin, "pad-added",
      G_CALLBACK (multi_pad_added_cb), bob);
  pgsm_test_phone_start (bob->side);
  return bob;
}

static void
multi_bob_free (MultiBob * bob)
{
  guint n;

  pgsm_test_phone_free (bob->side);
  for (n = 1; n < N_CALLS; n++)
    pgsm_test_phone_free (bob->rx[n]);
  g_free (bob);
}

static guint
count_src_pads (GstElement * e)
{
  guint n;

  GST_OBJECT_LOCK (e);
  n = e->numsrcpads;
  GST_OBJECT_UNLOCK (e);
  return n;
}

/* Three calls at once into one listening bin (max-calls=3): each caller
 * hears the tone of its own slot and nothing else, each slot's src pad
 * carries its caller's tone; a fourth INVITE gets 486; the slot pads go
 * away with their calls */
GST_START_TEST (test_three_concurrent_calls)
{
  PgsmTestCert *cert;
  MultiBob *bob;
  PgsmTestPhone *alice[N_CALLS + 1];
  gchar *call_id[N_CALLS];
  guint slot_of[N_CALLS], n, k;
  GstMessage *msg;
  const GstStructure *s;
  const gchar *state;

  if (!have_srtp ()) {
    GST_WARNING ("pgsmsrtpenc not available, skipping");
    return;
  }
  cert = pgsm_test_pki_issue_server (pgsm_test_phone_pki, "bob", "127.0.0.1");
  bob = multi_bob_new (cert);
  fail_unless_equals_int (count_src_pads (bob->side->bin), 1);

  for (k = 0; k < N_CALLS; k++) {
    gchar *uri = g_strdup_printf ("sips:bob@127.0.0.1:%u",
        pgsm_test_phone_bound_port (bob->side));

    alice[k] = side_new (alice_freqs[k]);
    g_object_set (alice[k]->bin, "ca-file", pgsm_test_phone_pki->root_ca_file,
        "remote-uri", uri, NULL);
    g_free (uri);
    pgsm_test_phone_start (alice[k]);
    call_id[k] =
        pgsm_test_phone_take_call_id (pgsm_test_phone_wait (alice[k],
            "secured"));
  }
  /* bob's `secured` messages: which slot and pads each call got */
  for (n = 0; n < N_CALLS; n++) {
    guint slot = 99;

    msg = pgsm_test_phone_wait (bob->side, "secured");
    s = pgsm_test_phone_call_info (msg, &state);
    fail_unless (gst_structure_get_uint (s, "slot", &slot));
    for (k = 0; k < N_CALLS; k++)
      if (g_str_equal (call_id[k], gst_structure_get_string (s, "call-id")))
        break;
    fail_unless (k < N_CALLS);
    slot_of[k] = slot;
    if (slot == 0) {
      fail_unless_equals_string (gst_structure_get_string (s, "src-pad"),
          "src");
      fail_unless_equals_string (gst_structure_get_string (s, "sink-pad"),
          "sink");
    } else {
      gchar *src = g_strdup_printf ("src_%u", slot);
      gchar *sink = g_strdup_printf ("sink_%u", slot);

      fail_unless_equals_string (gst_structure_get_string (s, "src-pad"), src);
      fail_unless_equals_string (gst_structure_get_string (s, "sink-pad"),
          sink);
      g_free (src);
      g_free (sink);
    }
    gst_message_unref (msg);
  }
  fail_unless_equals_int (count_src_pads (bob->side->bin), N_CALLS);
  fail_unless (slot_of[0] != slot_of[1] && slot_of[1] != slot_of[2]
      && slot_of[0] != slot_of[2]);

  for (k = 0; k < N_CALLS; k++) {
    assert_tone (alice[k], bob_slot_freqs[slot_of[k]]);
    assert_tone (bob->rx[slot_of[k]], alice_freqs[k]);
  }

  /* a fourth caller: busy */
  {
    gchar *uri = g_strdup_printf ("sips:bob@127.0.0.1:%u",
        pgsm_test_phone_bound_port (bob->side));

    alice[N_CALLS] = side_new (300.0);
    g_object_set (alice[N_CALLS]->bin, "ca-file",
        pgsm_test_phone_pki->root_ca_file, "remote-uri", uri, NULL);
    g_free (uri);
    pgsm_test_phone_start (alice[N_CALLS]);
    msg = pgsm_test_phone_wait (alice[N_CALLS], "failed");
    fail_unless_equals_int (pgsm_test_phone_msg_uint (msg, "status"), 486);
    gst_message_unref (msg);
    pgsm_test_phone_free (alice[N_CALLS]);
  }

  for (k = 0; k < N_CALLS; k++) {
    pgsm_test_phone_action (alice[k], "hangup", call_id[k]);
    gst_message_unref (pgsm_test_phone_wait (alice[k], "ended"));
  }
  for (k = 0; k < N_CALLS; k++) {
    gst_message_unref (pgsm_test_phone_wait (bob->side, "ended"));
    pgsm_test_phone_free (alice[k]);
    g_free (call_id[k]);
  }
  /* src_1 and src_2 are gone with their calls */
  fail_unless_equals_int (count_src_pads (bob->side->bin), 1);
  multi_bob_free (bob);
  pgsm_test_cert_free (cert);
}

GST_END_TEST;

/* Opus (RFC 7587) when both sides list it first: negotiated on payload type
 * 111 at 48 kHz, tones both ways through opusenc/opusdec and SRTP */
GST_START_TEST (test_call_opus)
{
  PgsmTestCert *cert;
  PgsmTestPhone *bob, *alice;
  GstMessage *msg;
  gchar *uri;
  GstElementFactory *f = gst_element_factory_find ("opusenc");

  if (!have_srtp () || f == NULL) {
    GST_WARNING ("pgsmsrtpenc or opusenc not available, skipping");
    g_clear_object (&f);
    return;
  }
  gst_object_unref (f);
  cert = pgsm_test_pki_issue_server (pgsm_test_phone_pki, "bob", "127.0.0.1");
  bob = side_new (BOB_FREQ);
  g_object_set (bob->bin, "listen-uri", "sips:127.0.0.1:0",
      "cert-file", cert->chain_file, "key-file", cert->key_file,
      "auto-answer", TRUE, "codecs", "opus,PCMU", NULL);
  pgsm_test_phone_start (bob);
  alice = side_new (ALICE_FREQ);
  uri =
      g_strdup_printf ("sips:bob@127.0.0.1:%u",
      pgsm_test_phone_bound_port (bob));
  g_object_set (alice->bin, "ca-file", pgsm_test_phone_pki->root_ca_file,
      "remote-uri", uri, "codecs", "opus,PCMA", NULL);
  g_free (uri);
  pgsm_test_phone_start (alice);
  msg = pgsm_test_phone_wait (alice, "secured");
  fail_unless_equals_string (pgsm_test_phone_msg_string (msg, "codec"), "OPUS");
  gst_message_unref (msg);
  msg = pgsm_test_phone_wait (bob, "secured");
  fail_unless_equals_string (pgsm_test_phone_msg_string (msg, "codec"), "OPUS");
  gst_message_unref (msg);
  assert_tone (alice, BOB_FREQ);
  assert_tone (bob, ALICE_FREQ);
  pgsm_test_phone_free (alice);
  pgsm_test_phone_free (bob);
  pgsm_test_cert_free (cert);
}

GST_END_TEST;

GST_START_TEST (test_cycles_no_leaked_threads)
{
  PgsmTestCert *cert;
  guint i, after_first = 0;

  if (!have_srtp ()) {
    GST_WARNING ("pgsmsrtpenc not available, skipping");
    return;
  }
  cert = pgsm_test_pki_issue_server (pgsm_test_phone_pki, "bob", "127.0.0.1");
  for (i = 0; i < 3; i++) {
    run_call (cert);
    /* GStreamer's task pool keeps idle threads; a leak grows per cycle */
    if (i == 0)
      after_first = count_threads ();
  }
  fail_unless (count_threads () <= after_first, "threads %u > %u",
      count_threads (), after_first);
  pgsm_test_cert_free (cert);
}

GST_END_TEST;

GST_START_TEST (test_state_cycles_idle)
{
  PgsmTestPhone *side = side_new (ALICE_FREQ);
  guint i, before;

  g_object_set (side->bin, "listen-uri", "sips:127.0.0.1:0", NULL);
  pgsm_test_phone_start (side);
  fail_unless_equals_int (gst_element_set_state (side->pipeline,
          GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
  before = count_threads ();
  for (i = 0; i < 5; i++) {
    pgsm_test_phone_start (side);
    fail_unless (pgsm_test_phone_bound_port (side) != 0);
    fail_unless_equals_int (gst_element_set_state (side->pipeline,
            GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
    fail_unless_equals_int (pgsm_test_phone_bound_port (side), 0);
  }
  fail_unless (count_threads () <= before, "threads %u > %u",
      count_threads (), before);
  pgsm_test_phone_free (side);
}

GST_END_TEST;

GST_START_TEST (test_refuse_insecure_uri)
{
  PgsmTestPhone *side = side_new (ALICE_FREQ);
  GstMessage *msg;
  GError *err = NULL;

  g_object_set (side->bin, "listen-uri", "sips:127.0.0.1:0",
      "remote-uri", "sip:bob@127.0.0.1:5060", NULL);
  gst_element_set_state (side->pipeline, GST_STATE_PLAYING);
  msg = pgsm_test_phone_wait_error (side);
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_ERROR);
  gst_message_parse_error (msg, &err, NULL);
  fail_unless (g_error_matches (err, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_SETTINGS));
  g_error_free (err);
  gst_message_unref (msg);
  pgsm_test_phone_free (side);
}

GST_END_TEST;

/* The certificate matrix: each bad server certificate gives the one
 * warning with the right flag, and bob never sees an INVITE */
static void
check_bad_certificate (const PgsmTestCertSpec * spec, guint want_flags)
{
  PgsmTestCert *cert = pgsm_test_pki_issue (pgsm_test_phone_pki, spec);
  PgsmTestPhone *bob = bob_new (cert, TRUE);
  PgsmTestPhone *alice = alice_new (pgsm_test_phone_bound_port (bob));
  GstMessage *msg;
  GError *err = NULL;
  gchar *dbg = NULL;
  const GstStructure *details = NULL;
  guint flags = 0;

  msg = pgsm_test_phone_wait_error (alice);
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_ERROR);
  gst_message_parse_error (msg, &err, &dbg);
  fail_unless (g_error_matches (err, PGSM_TLS_ERROR,
          PGSM_TLS_ERROR_CERTIFICATE_NOT_TRUSTED), "%s: %s", spec->name,
      err->message);
  fail_unless_equals_string (err->message,
      PGSM_CERTIFICATE_NOT_TRUSTED_MESSAGE);
  gst_message_parse_error_details (msg, &details);
  fail_unless (details != NULL);
  fail_unless (gst_structure_get_flags (details, "flags",
          PGSM_TYPE_CERTIFICATE_FLAGS, &flags));
  fail_unless ((flags & want_flags) != 0, "%s: flags 0x%x, want 0x%x",
      spec->name, flags, want_flags);
  GST_INFO ("%s: %s", spec->name, dbg);
  g_error_free (err);
  g_free (dbg);
  gst_message_unref (msg);

  /* alice stops: nothing may have reached bob's SIP agent */
  gst_element_set_state (alice->pipeline, GST_STATE_NULL);
  while ((msg = gst_bus_pop (bob->bus)) != NULL) {
    const gchar *state = NULL;

    fail_if (pgsm_test_phone_call_info (msg, &state) != NULL,
        "%s: bob saw '%s'", spec->name, state);
    fail_if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR);
    gst_message_unref (msg);
  }
  pgsm_test_phone_free (alice);
  pgsm_test_phone_free (bob);
  pgsm_test_cert_free (cert);
}

static const gchar *const loop_dns[] = { "127.0.0.1", NULL };
static const gchar *const loop_ips[] = { "127.0.0.1", NULL };
static const gchar *const other_dns[] = { "other.test", NULL };

GST_START_TEST (test_certificate_matrix)
{
  PgsmTestCertSpec spec;

  memset (&spec, 0, sizeof (spec));
  spec.name = "expired";
  spec.cn = "127.0.0.1";
  spec.dns = loop_dns;
  spec.ips = loop_ips;
  spec.not_before = -60 * 86400;
  spec.not_after = -86400;
  check_bad_certificate (&spec, PGSM_CERTIFICATE_EXPIRED);

  spec.name = "not-yet-valid";
  spec.not_before = 86400;
  spec.not_after = 30 * 86400;
  check_bad_certificate (&spec, PGSM_CERTIFICATE_NOT_ACTIVATED);

  spec.name = "self-signed";
  spec.not_before = spec.not_after = 0;
  spec.signer = PGSM_TEST_SIGNER_SELF;
  check_bad_certificate (&spec,
      PGSM_CERTIFICATE_SELF_SIGNED | PGSM_CERTIFICATE_UNKNOWN_CA);

  spec.name = "unknown-ca";
  spec.signer = PGSM_TEST_SIGNER_OTHER_ROOT;
  check_bad_certificate (&spec, PGSM_CERTIFICATE_UNKNOWN_CA);

  spec.name = "missing-intermediate";
  spec.signer = PGSM_TEST_SIGNER_INTERMEDIATE;
  spec.omit_intermediate = TRUE;
  check_bad_certificate (&spec, PGSM_CERTIFICATE_UNKNOWN_CA);

  spec.name = "name-mismatch";
  spec.omit_intermediate = FALSE;
  spec.cn = "other.test";
  spec.dns = other_dns;
  spec.ips = NULL;
  check_bad_certificate (&spec, PGSM_CERTIFICATE_BAD_IDENTITY);
}

GST_END_TEST;

/* bob offers only what alice does not: 488 at bob, `failed` 488 at alice,
 * and no media on either side */
GST_START_TEST (test_offer_refused_488)
{
  PgsmTestCert *cert =
      pgsm_test_pki_issue_server (pgsm_test_phone_pki, "bob", "127.0.0.1");
  PgsmTestPhone *bob, *alice;

  bob = side_new (BOB_FREQ);
  g_object_set (bob->bin, "listen-uri", "sips:127.0.0.1:0",
      "cert-file", cert->chain_file, "key-file", cert->key_file,
      "auto-answer", TRUE, "srtp-suites", "AES_CM_128_HMAC_SHA1_80", NULL);
  pgsm_test_phone_start (bob);
  alice = side_new (ALICE_FREQ);
  {
    gchar *uri = g_strdup_printf ("sips:bob@127.0.0.1:%u",
        pgsm_test_phone_bound_port (bob));

    g_object_set (alice->bin, "listen-uri", "sips:127.0.0.1:0",
        "ca-file", pgsm_test_phone_pki->root_ca_file, "srtp-suites",
        "AEAD_AES_256_GCM", "remote-uri", uri, NULL);
    g_free (uri);
  }
  pgsm_test_phone_start (alice);
  expect_refused_488 (bob, alice, "suite not enabled");

  fail_unless_equals_int (pgsm_test_phone_n_samples (alice), 0);
  pgsm_test_phone_free (alice);
  pgsm_test_phone_free (bob);
  pgsm_test_cert_free (cert);
}

GST_END_TEST;

/* auto-answer off: bob sees `incoming`, rejects the first call with 486 and
 * answers the second with the `answer` action */
GST_START_TEST (test_manual_reject_and_answer)
{
  PgsmTestCert *cert;
  PgsmTestPhone *bob, *alice;
  GstMessage *msg;
  gchar *id;
  gboolean ok = FALSE;

  if (!have_srtp ()) {
    GST_WARNING ("pgsmsrtpenc not available, skipping");
    return;
  }
  cert = pgsm_test_pki_issue_server (pgsm_test_phone_pki, "bob", "127.0.0.1");
  bob = bob_new (cert, FALSE);

  /* first call: rejected */
  alice = alice_new (pgsm_test_phone_bound_port (bob));
  msg = pgsm_test_phone_wait (bob, "incoming");
  id = pgsm_test_phone_take_call_id (msg);
  g_signal_emit_by_name (bob->bin, "reject", id, 486u, &ok);
  fail_unless (ok);
  msg = pgsm_test_phone_wait (alice, "failed");
  fail_unless_equals_int (pgsm_test_phone_msg_uint (msg, "status"), 486);
  gst_message_unref (msg);
  gst_message_unref (pgsm_test_phone_wait (bob, "ended"));
  g_free (id);
  pgsm_test_phone_free (alice);

  /* second call: answered by hand */
  alice = alice_new (pgsm_test_phone_bound_port (bob));
  msg = pgsm_test_phone_wait (bob, "incoming");
  id = pgsm_test_phone_take_call_id (msg);
  pgsm_test_phone_action (bob, "answer", id);
  gst_message_unref (pgsm_test_phone_wait (alice, "secured"));
  assert_tone (alice, BOB_FREQ);
  /* bob hangs up this time */
  pgsm_test_phone_action (bob, "hangup", id);
  gst_message_unref (pgsm_test_phone_wait (alice, "ended"));
  g_free (id);

  pgsm_test_phone_free (alice);
  pgsm_test_phone_free (bob);
  pgsm_test_cert_free (cert);
}

GST_END_TEST;

/* The wire check: what alice's RTP udpsink sends is SRTP, never the PCMU
 * payload the payloader made: each packet's payload differs from the clear
 * one of the same sequence number, carries the 10-byte tag of
 * AES_CM_128_HMAC_SHA1_80, and the payload bytes have the entropy of
 * ciphertext */
typedef struct
{
  GMutex lock;
  GHashTable *clear;            /* seq -> GBytes payload */
  GPtrArray *sent;              /* GBytes, whole packets from udpsink */
} Wire;

static GstPadProbeReturn
clear_probe_cb (GstPad * pad, GstPadProbeInfo * info, Wire * wire)
{
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;

  if (gst_rtp_buffer_map (buf, GST_MAP_READ, &rtp)) {
    g_mutex_lock (&wire->lock);
    g_hash_table_replace (wire->clear,
        GUINT_TO_POINTER (gst_rtp_buffer_get_seq (&rtp)),
        g_bytes_new (gst_rtp_buffer_get_payload (&rtp),
            gst_rtp_buffer_get_payload_len (&rtp)));
    g_mutex_unlock (&wire->lock);
    gst_rtp_buffer_unmap (&rtp);
  }
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
sent_probe_cb (GstPad * pad, GstPadProbeInfo * info, Wire * wire)
{
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  GstMapInfo map;

  if (gst_buffer_map (buf, &map, GST_MAP_READ)) {
    g_mutex_lock (&wire->lock);
    g_ptr_array_add (wire->sent, g_bytes_new (map.data, map.size));
    g_mutex_unlock (&wire->lock);
    gst_buffer_unmap (buf, &map);
  }
  return GST_PAD_PROBE_OK;
}

static GstElement *
find_element (GstBin * bin, const gchar * factory, guint port)
{
  GstIterator *it = gst_bin_iterate_recurse (bin);
  GValue v = G_VALUE_INIT;
  GstElement *found = NULL;

  while (found == NULL && gst_iterator_next (it, &v) == GST_ITERATOR_OK) {
    GstElement *e = g_value_get_object (&v);
    GstElementFactory *f = gst_element_get_factory (e);
    gint p = 0;

    if (f && g_str_equal (GST_OBJECT_NAME (f), factory)) {
      if (port != 0)
        g_object_get (e, "port", &p, NULL);
      if (port == 0 || (guint) p == port)
        found = gst_object_ref (e);
    }
    g_value_reset (&v);
  }
  g_value_unset (&v);
  gst_iterator_free (it);
  return found;
}

static gdouble
entropy (const guint * counts, guint total)
{
  gdouble h = 0;
  guint i;

  for (i = 0; i < 256; i++) {
    gdouble p = (gdouble) counts[i] / total;

    if (counts[i] > 0)
      h -= p * log2 (p);
  }
  return h;
}

static GstPadProbeReturn
drop_probe_cb (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  return GST_PAD_PROBE_DROP;
}

/* The other side vanishes mid-call without a BYE (its packets stop, its
 * SIP says nothing): after media-timeout the call ends with the reason, a
 * WARNING, and a BYE that the other side still receives here */
GST_START_TEST (test_peer_vanishes_media_timeout)
{
  PgsmTestCert *cert;
  PgsmTestPhone *bob, *alice;
  GstMessage *msg;
  gchar *call_id;
  guint alice_port;
  GstElement *sink;
  GstPad *pad;
  gint64 t0;
  gdouble waited;

  if (!have_srtp ()) {
    GST_WARNING ("pgsmsrtpenc not available, skipping");
    return;
  }
  cert = pgsm_test_pki_issue_server (pgsm_test_phone_pki, "bob", "127.0.0.1");
  bob = bob_new (cert, TRUE);
  alice = side_new (ALICE_FREQ);
  {
    gchar *uri = g_strdup_printf ("sips:bob@127.0.0.1:%u",
        pgsm_test_phone_bound_port (bob));

    g_object_set (alice->bin, "ca-file", pgsm_test_phone_pki->root_ca_file,
        "remote-uri", uri, "media-timeout", 2, NULL);
    g_free (uri);
  }
  pgsm_test_phone_start (alice);
  call_id =
      pgsm_test_phone_take_call_id (pgsm_test_phone_wait (alice, "secured"));
  msg = pgsm_test_phone_wait (bob, "secured");
  alice_port = pgsm_test_phone_msg_uint (msg, "remote-port");
  fail_unless (alice_port != G_MAXUINT);
  gst_message_unref (msg);
  assert_tone (alice, BOB_FREQ);

  /* bob's RTP stops reaching the network */
  sink = find_element (GST_BIN (bob->bin), "udpsink", alice_port);
  fail_unless (sink != NULL);
  pad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_BUFFER_LIST, drop_probe_cb, NULL, NULL);
  gst_object_unref (pad);
  gst_object_unref (sink);
  t0 = g_get_monotonic_time ();

  msg = pgsm_test_phone_wait (alice, "ended");
  waited = (g_get_monotonic_time () - t0) / 1e6;
  fail_unless_equals_string (alice->call_id, call_id);
  fail_unless_equals_string (pgsm_test_phone_msg_string (msg, "reason"),
      "no media from the other side for 2 s");
  gst_message_unref (msg);
  GST_INFO ("ended %.2f s after the last packet", waited);
  /* 2 s after the last packet, plus the watch's 0.25 s period */
  fail_unless (waited >= 1.8 && waited < 4.0, "ended after %.2f s", waited);
  /* the BYE still reaches bob */
  gst_message_unref (pgsm_test_phone_wait (bob, "ended"));

  g_free (call_id);
  pgsm_test_phone_free (alice);
  pgsm_test_phone_free (bob);
  pgsm_test_cert_free (cert);
}

GST_END_TEST;

/* Binds 127.0.0.1 UDP ports @first..@first+@n-1, or returns FALSE with none
 * kept */
static gboolean
hold_ports (guint first, guint n, GSocket ** socks)
{
  GInetAddress *lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  guint i;
  gboolean ok = TRUE;

  for (i = 0; i < n && ok; i++) {
    GSocketAddress *sa = g_inet_socket_address_new (lo, first + i);

    socks[i] = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
        G_SOCKET_PROTOCOL_UDP, NULL);
    ok = socks[i] != NULL && g_socket_bind (socks[i], sa, FALSE, NULL);
    g_object_unref (sa);
  }
  if (!ok)
    while (i-- > 0)
      g_clear_object (&socks[i]);
  g_object_unref (lo);
  return ok;
}

/* Every port of the listener's RTP range taken: the caller gets 503, the
 * listener a WARNING (not an ERROR: it keeps listening), and the next call
 * gets a port from the range once one is free */
GST_START_TEST (test_rtp_port_range_exhausted)
{
  PgsmTestCert *cert;
  PgsmTestPhone *bob, *alice;
  GSocket *socks[4] = { NULL, };
  GstMessage *msg;
  const gchar *state;
  guint range_start = 0, i;
  gboolean warned = FALSE;

  if (!have_srtp ()) {
    GST_WARNING ("pgsmsrtpenc not available, skipping");
    return;
  }
  for (i = 0; i < 200 && range_start == 0; i++) {
    guint p = 20000 + 2 * g_random_int_range (0, 10000);

    if (hold_ports (p, 4, socks))
      range_start = p;
  }
  fail_unless (range_start != 0);

  cert = pgsm_test_pki_issue_server (pgsm_test_phone_pki, "bob", "127.0.0.1");
  bob = side_new (BOB_FREQ);
  g_object_set (bob->bin, "listen-uri", "sips:127.0.0.1:0",
      "cert-file", cert->chain_file, "key-file", cert->key_file,
      "auto-answer", TRUE, "rtp-port-min", range_start, "rtp-port-max",
      range_start + 3, NULL);
  pgsm_test_phone_start (bob);
  alice = alice_new (pgsm_test_phone_bound_port (bob));

  msg = pgsm_test_phone_wait (alice, "failed");
  fail_unless_equals_int (pgsm_test_phone_msg_uint (msg, "status"), 503);
  gst_message_unref (msg);
  /* bob: a WARNING and `failed`, no ERROR */
  {
    gint64 deadline =
        g_get_monotonic_time () + PGSM_TEST_PHONE_WAIT_S * G_USEC_PER_SEC;
    gboolean failed = FALSE;

    while ((!warned || !failed) && g_get_monotonic_time () < deadline) {
      msg = gst_bus_timed_pop (bob->bus, 100 * GST_MSECOND);
      if (msg == NULL)
        continue;
      fail_if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR);
      if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING) {
        GError *err = NULL;

        gst_message_parse_warning (msg, &err, NULL);
        warned = g_error_matches (err, GST_RESOURCE_ERROR,
            GST_RESOURCE_ERROR_OPEN_READ_WRITE);
        g_clear_error (&err);
      }
      if (pgsm_test_phone_call_info (msg, &state)
          && g_str_equal (state, "failed"))
        failed = TRUE;
      gst_message_unref (msg);
    }
    fail_unless (warned && failed);
  }
  pgsm_test_phone_free (alice);

  /* one pair free again: the next call takes it */
  g_clear_object (&socks[2]);
  g_clear_object (&socks[3]);
  alice = alice_new (pgsm_test_phone_bound_port (bob));
  msg = pgsm_test_phone_wait (bob, "secured");
  fail_unless_equals_int (pgsm_test_phone_msg_uint (msg, "local-port"),
      range_start + 2);
  gst_message_unref (msg);
  gst_message_unref (pgsm_test_phone_wait (alice, "secured"));

  pgsm_test_phone_free (alice);
  pgsm_test_phone_free (bob);
  for (i = 0; i < 4; i++)
    g_clear_object (&socks[i]);
  pgsm_test_cert_free (cert);
}

GST_END_TEST;

GST_START_TEST (test_wire_is_encrypted)
{
  PgsmTestCert *cert;
  PgsmTestPhone *bob, *alice;
  GstMessage *msg;
  guint remote_port, i, compared = 0, n_sent;
  GstElement *pay, *sink;
  GstPad *pad;
  Wire wire;
  guint cipher_counts[256] = { 0, }, clear_counts[256] = { 0, };
  guint cipher_total = 0, clear_total = 0;

  if (!have_srtp ()) {
    GST_WARNING ("pgsmsrtpenc not available, skipping");
    return;
  }
  g_mutex_init (&wire.lock);
  wire.clear = g_hash_table_new_full (NULL, NULL, NULL,
      (GDestroyNotify) g_bytes_unref);
  wire.sent = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  cert = pgsm_test_pki_issue_server (pgsm_test_phone_pki, "bob", "127.0.0.1");
  bob = bob_new (cert, TRUE);
  alice = alice_new (pgsm_test_phone_bound_port (bob));
  msg = pgsm_test_phone_wait (alice, "secured");
  remote_port = pgsm_test_phone_msg_uint (msg, "remote-port");
  fail_unless (remote_port != G_MAXUINT);
  gst_message_unref (msg);

  /* the clear RTP packets as they enter rtpbin: out of the DTMF muxer,
   * which numbers them, or of the payloader without telephone-events */
  pay = find_element (GST_BIN (alice->bin), "rtpdtmfmux", 0);
  if (pay == NULL)
    pay = find_element (GST_BIN (alice->bin), "rtppcmupay", 0);
  sink = find_element (GST_BIN (alice->bin), "udpsink", remote_port);
  fail_unless (pay != NULL && sink != NULL);
  pad = gst_element_get_static_pad (pay, "src");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER,
      (GstPadProbeCallback) clear_probe_cb, &wire, NULL);
  gst_object_unref (pad);
  pad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER,
      (GstPadProbeCallback) sent_probe_cb, &wire, NULL);
  gst_object_unref (pad);

  /* 2 s of audio at 50 packets/s */
  pgsm_test_phone_wait_samples (bob, 16000);
  gst_element_set_state (alice->pipeline, GST_STATE_NULL);

  g_mutex_lock (&wire.lock);
  n_sent = wire.sent->len;
  for (i = 0; i < wire.sent->len; i++) {
    gsize len, clen;
    const guint8 *pkt = g_bytes_get_data (g_ptr_array_index (wire.sent, i),
        &len);
    const guint8 *clear;
    GBytes *cb;
    guint seq, j;

    fail_unless (len >= 12 + 10);
    fail_unless_equals_int (pkt[0] >> 6, 2);
    seq = (pkt[2] << 8) | pkt[3];
    cb = g_hash_table_lookup (wire.clear, GUINT_TO_POINTER (seq));
    if (cb == NULL)
      continue;
    clear = g_bytes_get_data (cb, &clen);
    /* header 12 bytes, payload, 10-byte HMAC-SHA1-80 tag */
    fail_unless_equals_int (len, 12 + clen + 10);
    fail_if (memcmp (pkt + 12, clear, clen) == 0, "clear payload on the wire");
    for (j = 0; j < clen; j++) {
      cipher_counts[pkt[12 + j]]++;
      clear_counts[clear[j]]++;
    }
    cipher_total += clen;
    clear_total += clen;
    compared++;
  }
  g_mutex_unlock (&wire.lock);

  GST_INFO ("%u packets sent, %u compared; entropy cipher %.3f clear %.3f",
      n_sent, compared, entropy (cipher_counts, cipher_total),
      entropy (clear_counts, clear_total));
  fail_unless (compared >= 50, "only %u packets compared", compared);
  fail_unless (entropy (cipher_counts, cipher_total) > 7.9);
  fail_unless (entropy (clear_counts, clear_total) < 7.5);

  gst_object_unref (pay);
  gst_object_unref (sink);
  pgsm_test_phone_free (alice);
  pgsm_test_phone_free (bob);
  g_hash_table_unref (wire.clear);
  g_ptr_array_unref (wire.sent);
  g_mutex_clear (&wire.lock);
  pgsm_test_cert_free (cert);
}

GST_END_TEST;

/* A server that accepts TCP and never speaks: stopping the bin in the
 * middle of the certificate check returns at once, without an ERROR; a
 * closed port is a clear connection ERROR */
GST_START_TEST (test_stop_during_check_and_unreachable)
{
  GSocketListener *listener = g_socket_listener_new ();
  PgsmTestPhone *alice;
  GstMessage *msg;
  GError *err = NULL;
  guint16 port;
  gchar *uri;
  gint64 t0;
  GSocketAddress *any = g_inet_socket_address_new_from_string ("127.0.0.1",
      0);
  GSocketAddress *bound = NULL;

  fail_unless (g_socket_listener_add_address (listener, any,
          G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL, &bound, &err),
      "%s", err ? err->message : "");
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_object_unref (any);
  g_object_unref (bound);

  alice = side_new (ALICE_FREQ);
  uri = g_strdup_printf ("sips:bob@127.0.0.1:%u", port);
  pgsm_test_phone_set_tls (alice, NULL);
  g_object_set (alice->bin, "remote-uri", uri, NULL);
  g_free (uri);
  pgsm_test_phone_start (alice);
  msg = pgsm_test_phone_wait (alice, "calling");
  {
    gchar *id = pgsm_test_phone_take_call_id (msg);

    /* hang up during the check: the call ends, nothing is sent */
    g_usleep (200 * 1000);
    pgsm_test_phone_action (alice, "hangup", id);
    msg = pgsm_test_phone_wait (alice, "ended");
    fail_unless_equals_string (alice->call_id, id);
    g_free (id);
    /* a new call can start at once */
    g_object_get (alice->bin, "remote-uri", &uri, NULL);
    g_free (pgsm_test_phone_call (alice, uri));
    g_free (uri);
  }
  gst_message_unref (msg);
  gst_message_unref (pgsm_test_phone_wait (alice, "calling"));
  /* the handshake now waits for a server that will never answer */
  g_usleep (200 * 1000);
  t0 = g_get_monotonic_time ();
  fail_unless_equals_int (gst_element_set_state (alice->pipeline,
          GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
  fail_unless (g_get_monotonic_time () - t0 < 3 * G_USEC_PER_SEC,
      "stopping took %" G_GINT64_FORMAT " us", g_get_monotonic_time () - t0);
  while ((msg = gst_bus_pop_filtered (alice->bus, GST_MESSAGE_ERROR))) {
    fail ("unexpected ERROR after stop");
    gst_message_unref (msg);
  }
  pgsm_test_phone_free (alice);

  /* nobody listens on that port any more */
  g_socket_listener_close (listener);
  g_object_unref (listener);
  alice = side_new (ALICE_FREQ);
  uri = g_strdup_printf ("sips:bob@127.0.0.1:%u", port);
  pgsm_test_phone_set_tls (alice, NULL);
  g_object_set (alice->bin, "remote-uri", uri, NULL);
  g_free (uri);
  gst_element_set_state (alice->pipeline, GST_STATE_PLAYING);
  msg = pgsm_test_phone_wait_error (alice);
  gst_message_parse_error (msg, &err, NULL);
  fail_unless (g_error_matches (err, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_OPEN_READ_WRITE), "%s", err->message);
  g_error_free (err);
  gst_message_unref (msg);
  pgsm_test_phone_free (alice);
}

GST_END_TEST;

static GstPadProbeReturn
new_ssrc_probe_cb (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  GstBuffer *buf = gst_buffer_make_writable (GST_PAD_PROBE_INFO_BUFFER (info));
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;

  if (gst_rtp_buffer_map (buf, GST_MAP_READWRITE, &rtp)) {
    gst_rtp_buffer_set_ssrc (&rtp, GPOINTER_TO_UINT (data));
    gst_rtp_buffer_unmap (&rtp);
  }
  GST_PAD_PROBE_INFO_DATA (info) = buf;
  return GST_PAD_PROBE_OK;
}

/* The other side's stream changes SSRC mid-call (a restarted sender, a
 * media relay): the new source's pad joins the same depayloader, the
 * audio goes on, and no ERROR (an unlinked pad would end the stream) */
GST_START_TEST (test_peer_changes_ssrc)
{
  PgsmTestCert *cert;
  PgsmTestPhone *bob, *alice;
  GstElement *mux;
  GstPad *pad;
  GstMessage *msg;
  gchar *call_id;

  if (!have_srtp ()) {
    GST_WARNING ("pgsmsrtpenc not available, skipping");
    return;
  }
  cert = pgsm_test_pki_issue_server (pgsm_test_phone_pki, "bob", "127.0.0.1");
  call_id = start_secured_call (cert, &bob, &alice);
  assert_tone (bob, ALICE_FREQ);

  /* alice's RTP leaves her rtpdtmfmux (which sets the SSRC) for rtpbin */
  mux = find_element (GST_BIN (alice->bin), "rtpdtmfmux", 0);
  fail_unless (mux != NULL);
  pad = gst_element_get_static_pad (mux, "src");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, new_ssrc_probe_cb,
      GUINT_TO_POINTER (0x5eed1234), NULL);
  gst_object_unref (pad);
  gst_object_unref (mux);
  assert_tone_from_now (bob, ALICE_FREQ);
  assert_tone_from_now (bob, ALICE_FREQ);
  msg = gst_bus_pop_filtered (bob->bus, GST_MESSAGE_ERROR);
  if (msg != NULL) {
    GError *err = NULL;
    gchar *dbg = NULL;

    gst_message_parse_error (msg, &err, &dbg);
    fail ("bob: %s (%s)", err->message, dbg);
  }
  g_free (call_id);
  pgsm_test_phone_free (alice);
  pgsm_test_phone_free (bob);
  pgsm_test_cert_free (cert);
}

GST_END_TEST;

/* The site's inside leg: media-encryption=none carries clear RTP/AVP, posts
 * `clear` (never `secured`), refuses RTP/SAVP offers, and will not start
 * without allow-insecure-signaling */
static PgsmTestPhone *
clear_side_new (gdouble freq, const gchar * remote_uri)
{
  PgsmTestPhone *side = side_new (freq);

  g_object_set (side->bin, "listen-uri", "sip:127.0.0.1:0",
      "allow-insecure-signaling", TRUE, "media-encryption", 1 /* none */ ,
      "auto-answer", TRUE, "remote-uri", remote_uri, NULL);
  /* every wait fails on a `secured` */
  side->never_state = "secured";
  pgsm_test_phone_start (side);
  return side;
}

GST_START_TEST (test_clear_inside_leg)
{
  PgsmTestPhone *bob, *alice;
  GstMessage *msg;
  const gchar *state;
  gchar *uri, *call_id;

  /* 1. clear to clear: tones both ways, `clear` with the codec */
  bob = clear_side_new (BOB_FREQ, NULL);
  uri =
      g_strdup_printf ("sip:bob@127.0.0.1:%u",
      pgsm_test_phone_bound_port (bob));
  alice = clear_side_new (ALICE_FREQ, uri);
  msg = pgsm_test_phone_wait (bob, "incoming");
  fail_unless_equals_string (pgsm_test_phone_msg_string (msg, "request-uri"),
      uri);
  gst_message_unref (msg);
  msg = pgsm_test_phone_wait (alice, "clear");
  call_id = g_strdup (alice->call_id);
  fail_unless_equals_string (pgsm_test_phone_msg_string (msg, "suite"), "");
  fail_unless_equals_string (pgsm_test_phone_msg_string (msg, "codec"), "PCMU");
  gst_message_unref (msg);
  gst_message_unref (pgsm_test_phone_wait (bob, "clear"));
  assert_tone (alice, BOB_FREQ);
  assert_tone (bob, ALICE_FREQ);
  /* there are no keys to change */
  fail_if (pgsm_test_phone_try_action (alice, "rekey", call_id));
  pgsm_test_phone_action (alice, "hangup", call_id);
  gst_message_unref (pgsm_test_phone_wait (bob, "ended"));
  /* never `secured` on either side */
  while ((msg = gst_bus_pop (alice->bus)) != NULL) {
    fail_if (pgsm_test_phone_call_info (msg, &state)
        && g_strcmp0 (state, "secured") == 0);
    gst_message_unref (msg);
  }
  g_free (call_id);
  pgsm_test_phone_free (alice);

  /* 2. an SRTP offer to the clear leg: 488, nothing sent in clear */
  alice = side_new (ALICE_FREQ);
  g_object_set (alice->bin, "listen-uri", "sip:127.0.0.1:0",
      "allow-insecure-signaling", TRUE, "remote-uri", uri, NULL);
  pgsm_test_phone_start (alice);
  expect_refused_488 (bob, alice, "RTP/SAVP");
  pgsm_test_phone_free (alice);
  g_free (uri);
  pgsm_test_phone_free (bob);

  /* 3. an SRTP listener refuses a clear offer (fail closed) */
  bob = side_new (BOB_FREQ);
  g_object_set (bob->bin, "listen-uri", "sip:127.0.0.1:0",
      "allow-insecure-signaling", TRUE, "auto-answer", TRUE, NULL);
  pgsm_test_phone_start (bob);
  uri =
      g_strdup_printf ("sip:bob@127.0.0.1:%u",
      pgsm_test_phone_bound_port (bob));
  alice = clear_side_new (ALICE_FREQ, uri);
  expect_refused_488 (bob, alice, "RTP/AVP");
  pgsm_test_phone_free (alice);
  g_free (uri);
  pgsm_test_phone_free (bob);

  /* 4. clear media without allow-insecure-signaling: an ERROR at start */
  alice = side_new (ALICE_FREQ);
  g_object_set (alice->bin, "media-encryption", 1, NULL);
  gst_element_set_state (alice->pipeline, GST_STATE_PLAYING);
  msg = pgsm_test_phone_wait_error (alice);
  {
    GError *err = NULL;
    gchar *dbg = NULL;

    gst_message_parse_error (msg, &err, &dbg);
    fail_unless (strstr (dbg, "allow-insecure-signaling") != NULL, "%s", dbg);
    g_error_free (err);
    g_free (dbg);
  }
  gst_message_unref (msg);
  pgsm_test_phone_free (alice);
}

GST_END_TEST;

static Suite *
pgsmsipbin_suite (void)
{
  Suite *s = suite_create ("pgsmsipbin");
  TCase *tc = pgsm_test_phone_tcase_new (s, TRUE);

  tcase_add_test (tc, test_state_cycles_idle);
  tcase_add_test (tc, test_refuse_insecure_uri);
  tcase_add_test (tc, test_stop_during_check_and_unreachable);
  tcase_add_test (tc, test_call_tones_both_ways);
  tcase_add_test (tc, test_hold_resume_rekey);
  tcase_add_test (tc, test_stop_right_after_remote_hangup);
  tcase_add_test (tc, test_send_dtmf);
  tcase_add_test (tc, test_peer_vanishes_media_timeout);
  tcase_add_test (tc, test_rtp_port_range_exhausted);
  tcase_add_test (tc, test_three_concurrent_calls);
  tcase_add_test (tc, test_call_opus);
  tcase_add_test (tc, test_certificate_matrix);
  tcase_add_test (tc, test_wire_is_encrypted);
  tcase_add_test (tc, test_offer_refused_488);
  tcase_add_test (tc, test_manual_reject_and_answer);
  tcase_add_test (tc, test_clear_inside_leg);
  tcase_add_test (tc, test_peer_changes_ssrc);
  tcase_add_test (tc, test_cycles_no_leaked_threads);
  return s;
}

GST_CHECK_MAIN (pgsmsipbin);
