/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Test phones on pgsmsipbin (see sipphone.h) */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "sipphone.h"

#include <math.h>
#include <gst/check/gstcheck.h>
#include <gst/app/gstappsink.h>

PgsmTestPki *pgsm_test_phone_pki;

void
pgsm_test_phone_pki_setup (void)
{
  pgsm_test_phone_pki = pgsm_test_pki_new_tmp ("pgsm-phone-pki");
  fail_unless (pgsm_test_phone_pki != NULL);
}

void
pgsm_test_phone_pki_teardown (void)
{
  g_clear_pointer (&pgsm_test_phone_pki, pgsm_test_pki_free);
}

TCase *
pgsm_test_phone_tcase_new (Suite * s, gboolean checked)
{
  TCase *tc = tcase_create ("general");

  if (checked)
    tcase_add_checked_fixture (tc, pgsm_test_phone_pki_setup,
        pgsm_test_phone_pki_teardown);
  else
    tcase_add_unchecked_fixture (tc, pgsm_test_phone_pki_setup,
        pgsm_test_phone_pki_teardown);
  tcase_set_timeout (tc, 120);
  suite_add_tcase (s, tc);
  return tc;
}

/* The failure note of @phone, "" when none (leaked: the test ends) */
static const gchar *
note (PgsmTestPhone * phone)
{
  gchar *text = NULL;

  if (phone->failure_note != NULL)
    text = phone->failure_note (phone, phone->failure_note_data);
  return text != NULL ? text : "";
}

/* ---- a phone ------------------------------------------------------------ */

static GstFlowReturn
new_sample_cb (GstAppSink * sink, gpointer user_data)
{
  PgsmTestPhone *phone = user_data;
  GstSample *sample = gst_app_sink_pull_sample (sink);
  GstBuffer *buf;
  GstMapInfo map;

  if (sample == NULL)
    return GST_FLOW_EOS;
  buf = gst_sample_get_buffer (sample);
  if (gst_buffer_map (buf, &map, GST_MAP_READ)) {
    g_mutex_lock (&phone->lock);
    g_array_append_vals (phone->samples, map.data, map.size / 2);
    g_mutex_unlock (&phone->lock);
    gst_buffer_unmap (buf, &map);
  }
  gst_sample_unref (sample);
  return GST_FLOW_OK;
}

PgsmTestPhone *
pgsm_test_phone_new_rx (void)
{
  PgsmTestPhone *phone = g_new0 (PgsmTestPhone, 1);
  GstCaps *caps;
  GstAppSinkCallbacks cb = { NULL, NULL, new_sample_cb };

  phone->wait_s = PGSM_TEST_PHONE_WAIT_S;
  g_mutex_init (&phone->lock);
  phone->samples = g_array_new (FALSE, FALSE, sizeof (gint16));
  phone->sink = gst_element_factory_make ("appsink", NULL);
  fail_unless (phone->sink != NULL);
  gst_object_ref_sink (phone->sink);
  phone->name = gst_object_get_name (GST_OBJECT (phone->sink));
  caps = gst_caps_from_string ("audio/x-raw,format=S16LE,rate=8000,"
      "channels=1");
  g_object_set (phone->sink, "caps", caps, "sync", FALSE, "emit-signals",
      FALSE, NULL);
  gst_caps_unref (caps);
  gst_app_sink_set_callbacks (GST_APP_SINK (phone->sink), &cb, phone, NULL);
  return phone;
}

PgsmTestPhone *
pgsm_test_phone_new (const gchar * name, gdouble freq, gdouble volume)
{
  PgsmTestPhone *phone = pgsm_test_phone_new_rx ();

  phone->pipeline = gst_pipeline_new (name);
  g_free (phone->name);
  phone->name = gst_object_get_name (GST_OBJECT (phone->pipeline));
  phone->src = gst_element_factory_make ("audiotestsrc", NULL);
  fail_unless (phone->src != NULL);
  g_object_set (phone->src, "is-live", TRUE, "freq", freq, "volume", volume,
      "samplesperbuffer", 160, NULL);
  phone->bin = gst_element_factory_make ("pgsmsipbin", NULL);
  fail_unless (phone->bin != NULL, "pgsmsipbin not found");
  gst_bin_add_many (GST_BIN (phone->pipeline), phone->src, phone->bin,
      phone->sink, NULL);
  fail_unless (gst_element_link_many (phone->src, phone->bin, phone->sink,
          NULL));
  phone->bus = gst_element_get_bus (phone->pipeline);
  return phone;
}

void
pgsm_test_phone_free (PgsmTestPhone * phone)
{
  if (phone->pipeline != NULL) {
    fail_unless_equals_int (gst_element_set_state (phone->pipeline,
            GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
    gst_object_unref (phone->bus);
    gst_object_unref (phone->pipeline);
  }
  gst_object_unref (phone->sink);
  g_array_unref (phone->samples);
  g_mutex_clear (&phone->lock);
  g_free (phone->name);
  g_free (phone->call_id);
  g_free (phone->last_warning);
  g_free (phone);
}

void
pgsm_test_phone_set_tls (PgsmTestPhone * phone, const PgsmTestCert * cert)
{
  fail_unless (pgsm_test_phone_pki != NULL, "no pgsm_test_phone_pki fixture");
  g_object_set (phone->bin, "listen-uri", "sips:127.0.0.1:0", "ca-file",
      pgsm_test_phone_pki->root_ca_file, NULL);
  if (cert != NULL)
    g_object_set (phone->bin, "cert-file", cert->chain_file, "key-file",
        cert->key_file, NULL);
}

void
pgsm_test_phone_start (PgsmTestPhone * phone)
{
  fail_if (gst_element_set_state (phone->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE, "%s: cannot start", phone->name);
}

guint
pgsm_test_phone_bound_port (PgsmTestPhone * phone)
{
  guint port = 0;

  g_object_get (phone->bin, "bound-port", &port, NULL);
  return port;
}

/* ---- waiting for the bin's messages -------------------------------------- */

static void
count_warning (PgsmTestPhone * phone, GstMessage * msg)
{
  GError *err = NULL;
  gchar *dbg = NULL;

  gst_message_parse_warning (msg, &err, &dbg);
  GST_INFO ("%s: WARNING %s (%s)", phone->name, err->message, dbg);
  phone->warnings++;
  g_free (phone->last_warning);
  phone->last_warning = g_strdup_printf ("%s: %s", err->message, dbg);
  g_clear_error (&err);
  g_free (dbg);
}

GstMessage *
pgsm_test_phone_wait_full (PgsmTestPhone * phone, const gchar * state,
    guint seconds, PgsmTestPhoneWaitFlags flags, GstMessage ** error)
{
  gint64 deadline = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline) {
    GstMessage *msg = gst_bus_timed_pop (phone->bus, 100 * GST_MSECOND);
    const GstStructure *s;
    const gchar *got = NULL;

    if (msg == NULL)
      continue;
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
      GError *err = NULL;
      gchar *dbg = NULL;

      if (flags & PGSM_TEST_PHONE_WAIT_ERROR_OK)
        return msg;
      if (error != NULL && *error == NULL) {
        *error = msg;
        continue;
      }
      if (error == NULL) {
        gst_message_parse_error (msg, &err, &dbg);
        fail ("%s: unexpected ERROR waiting for '%s': %s (%s)%s",
            phone->name, state, err->message, dbg, note (phone));
      }
    }
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING)
      count_warning (phone, msg);
    s = pgsm_test_phone_call_info (msg, &got);
    if (s != NULL) {
      GST_INFO ("%s: %" GST_PTR_FORMAT, phone->name, s);
      fail_if (phone->never_state != NULL
          && g_strcmp0 (got, phone->never_state) == 0, "%s: a call got '%s'",
          phone->name, got);
      if (state != NULL && g_strcmp0 (got, state) == 0) {
        g_free (phone->call_id);
        phone->call_id = g_strdup (gst_structure_get_string (s, "call-id"));
        return msg;
      }
    }
    gst_message_unref (msg);
  }
  fail_if (!(flags & PGSM_TEST_PHONE_WAIT_NULL_AT_BOUND),
      "%s: no '%s' within %u s%s", phone->name, state, seconds, note (phone));
  return NULL;
}

GstMessage *
pgsm_test_phone_wait (PgsmTestPhone * phone, const gchar * state)
{
  return pgsm_test_phone_wait_full (phone, state, phone->wait_s, 0, NULL);
}

GstMessage *
pgsm_test_phone_wait_or_error (PgsmTestPhone * phone, const gchar * state)
{
  return pgsm_test_phone_wait_full (phone, state, phone->wait_s,
      PGSM_TEST_PHONE_WAIT_ERROR_OK, NULL);
}

GstMessage *
pgsm_test_phone_wait_error (PgsmTestPhone * phone)
{
  GstMessage *msg = pgsm_test_phone_wait_full (phone, NULL, phone->wait_s,
      PGSM_TEST_PHONE_WAIT_ERROR_OK | PGSM_TEST_PHONE_WAIT_NULL_AT_BOUND,
      NULL);

  fail_unless (msg != NULL, "%s: no ERROR within %u s%s", phone->name,
      phone->wait_s, note (phone));
  return msg;
}

const GstStructure *
pgsm_test_phone_call_info (GstMessage * msg, const gchar ** state)
{
  const GstStructure *s;

  if (GST_MESSAGE_TYPE (msg) != GST_MESSAGE_ELEMENT)
    return NULL;
  s = gst_message_get_structure (msg);
  if (!gst_structure_has_name (s, "pgsm-call"))
    return NULL;
  if (state != NULL)
    *state = gst_structure_get_string (s, "state");
  return s;
}

gchar *
pgsm_test_phone_take_call_id (GstMessage * msg)
{
  const GstStructure *s = pgsm_test_phone_call_info (msg, NULL);
  gchar *id;

  fail_unless (s != NULL, "not a pgsm-call message");
  id = g_strdup (gst_structure_get_string (s, "call-id"));
  gst_message_unref (msg);
  return id;
}

const gchar *
pgsm_test_phone_msg_string (GstMessage * msg, const gchar * field)
{
  const GstStructure *s = gst_message_get_structure (msg);

  return s != NULL ? gst_structure_get_string (s, field) : NULL;
}

guint
pgsm_test_phone_msg_uint (GstMessage * msg, const gchar * field)
{
  const GstStructure *s = gst_message_get_structure (msg);
  guint v = G_MAXUINT;

  if (s == NULL || !gst_structure_get_uint (s, field, &v))
    return G_MAXUINT;
  return v;
}

/* ---- the bin's actions --------------------------------------------------- */

gboolean
pgsm_test_phone_try_action (PgsmTestPhone * phone, const gchar * action,
    const gchar * call_id)
{
  gboolean ok = FALSE;

  g_signal_emit_by_name (phone->bin, action, call_id, &ok);
  return ok;
}

void
pgsm_test_phone_action (PgsmTestPhone * phone, const gchar * action,
    const gchar * call_id)
{
  fail_unless (pgsm_test_phone_try_action (phone, action, call_id),
      "%s: %s refused", phone->name, action);
}

gchar *
pgsm_test_phone_call (PgsmTestPhone * phone, const gchar * uri)
{
  gchar *id = NULL;

  g_signal_emit_by_name (phone->bin, "call", uri, &id);
  fail_unless (id != NULL, "%s: could not call %s", phone->name, uri);
  return id;
}

/* ---- what a phone hears -------------------------------------------------- */

guint
pgsm_test_phone_n_samples (PgsmTestPhone * phone)
{
  guint n;

  g_mutex_lock (&phone->lock);
  n = phone->samples->len;
  g_mutex_unlock (&phone->lock);
  return n;
}

void
pgsm_test_phone_wait_samples (PgsmTestPhone * phone, guint n)
{
  gint64 deadline = g_get_monotonic_time () + phone->wait_s * G_USEC_PER_SEC;
  guint have;

  while ((have = pgsm_test_phone_n_samples (phone)) < n) {
    if (g_get_monotonic_time () >= deadline)
      fail ("%s: only %u of %u samples received%s", phone->name, have, n,
          note (phone));
    g_usleep (20 * 1000);
  }
}

void
pgsm_test_phone_measure (const gint16 * s, gsize n, guint rate,
    gdouble * freq, gdouble * rms)
{
  gsize i, crossings = 0;
  gdouble energy = 0;

  for (i = 0; i < n; i++) {
    energy += (gdouble) s[i] * s[i];
    if (i > 0 && ((s[i - 1] < 0) != (s[i] < 0)))
      crossings++;
  }
  *freq = n > 0 ? crossings / 2.0 / ((gdouble) n / rate) : 0;
  *rms = n > 0 ? sqrt (energy / n) : 0;
}

void
pgsm_test_phone_analyse (PgsmTestPhone * phone, guint n, gdouble * freq,
    gdouble * rms)
{
  g_mutex_lock (&phone->lock);
  fail_unless (phone->samples->len >= n, "%s: %u samples, not %u",
      phone->name, phone->samples->len, n);
  pgsm_test_phone_measure (&g_array_index (phone->samples, gint16,
          phone->samples->len - n), n, PGSM_TEST_PHONE_RATE, freq, rms);
  g_mutex_unlock (&phone->lock);
}

gdouble
pgsm_test_phone_tone_level (PgsmTestPhone * phone, gdouble freq)
{
  const guint n = PGSM_TEST_PHONE_RATE;
  gdouble coeff = 2 * cos (2 * G_PI * freq / PGSM_TEST_PHONE_RATE);
  gdouble s1 = 0, s2 = 0, power;
  const gint16 *x;
  guint i;

  g_mutex_lock (&phone->lock);
  fail_unless (phone->samples->len >= n, "%s: %u samples, not %u",
      phone->name, phone->samples->len, n);
  x = &g_array_index (phone->samples, gint16, phone->samples->len - n);
  for (i = 0; i < n; i++) {
    gdouble s0 = x[i] + coeff * s1 - s2;

    s2 = s1;
    s1 = s0;
  }
  g_mutex_unlock (&phone->lock);
  power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return 2 * sqrt (MAX (power, 0)) / n;
}

gdouble
pgsm_test_phone_assert_tone (PgsmTestPhone * phone, guint since,
    gdouble want, gdouble rms_min, gdouble rms_max)
{
  gdouble freq, rms;

  pgsm_test_phone_wait_samples (phone, since + 12000);
  pgsm_test_phone_analyse (phone, 8000, &freq, &rms);
  GST_INFO ("%s hears %.1f Hz, RMS %.0f (want %.0f Hz)", phone->name, freq,
      rms, want);
  fail_unless (fabs (freq - want) < want * 0.05, "%s: got %.1f Hz, want %.0f",
      phone->name, freq, want);
  fail_unless (rms > rms_min && rms < rms_max, "%s: RMS %.0f not in "
      "(%.0f, %.0f)", phone->name, rms, rms_min, rms_max);
  return freq;
}

/* ---- a peer's media port ------------------------------------------------ */

GSocket *
pgsm_test_phone_media_socket (guint * port)
{
  GInetAddress *lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  GSocketAddress *sa = g_inet_socket_address_new (lo, 0);
  GSocket *sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
      G_SOCKET_PROTOCOL_UDP, NULL);
  GSocketAddress *bound;

  fail_unless (sock != NULL);
  fail_unless (g_socket_bind (sock, sa, FALSE, NULL));
  bound = g_socket_get_local_address (sock, NULL);
  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_socket_set_blocking (sock, FALSE);
  g_object_unref (bound);
  g_object_unref (sa);
  g_object_unref (lo);
  return sock;
}
