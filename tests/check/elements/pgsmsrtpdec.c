/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* pgsmsrtpdec: drops and counts tampered, replayed, garbage and wrongly
 * keyed packets, rate-limited warnings, copy-on-write, caps keys, ROC,
 * MKI, request-key, and no key in any debug log. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include "srtptest.h"




static GstBuffer *
protect (GstHarness * enc, guint32 ssrc, guint16 seq)
{
  return gst_harness_push_and_pull (enc, pgsm_test_rtp_new (ssrc, seq, 160,
          seq));
}

static guint64
stat_of (GstElement * e, guint32 ssrc, const gchar * field)
{
  GstStructure *stats;
  const GValue *streams;
  guint i;
  guint64 v = 0;

  g_object_get (e, "stats", &stats, NULL);
  if (ssrc == 0) {
    gst_structure_get_uint64 (stats, field, &v);
  } else {
    streams = gst_structure_get_value (stats, "streams");
    for (i = 0; i < gst_value_array_get_size (streams); i++) {
      const GstStructure *s =
          gst_value_get_structure (gst_value_array_get_value (streams, i));
      guint x;

      gst_structure_get_uint (s, "ssrc", &x);
      if (x == ssrc)
        gst_structure_get_uint64 (s, field, &v);
    }
  }
  gst_structure_free (stats);
  return v;
}

static guint
count_warnings (GstBus * bus, guint32 ssrc)
{
  GstMessage *msg;
  guint n = 0;

  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING))) {
    const GstStructure *d = NULL;
    guint s = 0;

    gst_message_parse_warning_details (msg, &d);
    fail_unless (d != NULL);
    gst_structure_get_uint (d, "ssrc", &s);
    if (s == ssrc)
      n++;
    gst_message_unref (msg);
  }
  return n;
}

typedef struct
{
  GstHarness *enc, *dec;
  GstBus *bus;
  GstBuffer *key;
} Pair;

static void
pair_init (Pair * p)
{
  p->key = gst_buffer_new_memdup (pgsm_test_rfc3711_master, 30);
  p->enc = pgsm_test_srtp_enc_harness (FALSE, "key", p->key, NULL);
  p->dec = pgsm_test_srtp_dec_harness (FALSE);
  g_object_set (p->dec->element, "key", p->key, NULL);
  p->bus = gst_bus_new ();
  gst_element_set_bus (p->dec->element, p->bus);
  pgsm_test_srtp_enc_harness_start (p->enc, FALSE, 5);
  pgsm_test_srtp_dec_harness_start (p->dec, FALSE);
}

static void
pair_clear (Pair * p)
{
  gst_element_set_bus (p->dec->element, NULL);
  gst_object_unref (p->bus);
  gst_harness_teardown (p->enc);
  gst_harness_teardown (p->dec);
  gst_buffer_unref (p->key);
}

static void
flip_byte (GstBuffer * b, gsize off)
{
  GstMapInfo map;

  gst_buffer_map (b, &map, GST_MAP_WRITE);
  map.data[off] ^= 0x01;
  gst_buffer_unmap (b, &map);
}

GST_START_TEST (test_tamper_dropped_counted_one_warning)
{
  Pair p;
  GstBuffer *b;
  guint i;
  gint64 t0;

  pair_init (&p);
  /* one tampered byte: dropped, counted, one warning */
  t0 = g_get_monotonic_time ();
  b = protect (p.enc, 5, 1);
  flip_byte (b, 20);
  fail_unless_equals_int (gst_harness_push (p.dec, b), GST_FLOW_OK);
  fail_unless (gst_harness_try_pull (p.dec) == NULL);
  fail_unless_equals_int (stat_of (p.dec->element, 5, "auth-failures"), 1);
  fail_unless_equals_int (count_warnings (p.bus, 5), 1);

  /* the good packets that follow flow */
  for (i = 2; i < 6; i++) {
    b = protect (p.enc, 5, i);
    fail_unless_equals_int (gst_harness_push (p.dec, b), GST_FLOW_OK);
    b = gst_harness_try_pull (p.dec);
    fail_unless (b != NULL);
    gst_buffer_unref (b);
  }
  /* a burst of bad ones within the second: counted, no more warnings */
  for (i = 6; i < 26; i++) {
    b = protect (p.enc, 5, i);
    flip_byte (b, 30);
    gst_harness_push (p.dec, b);
  }
  fail_unless_equals_int (stat_of (p.dec->element, 5, "auth-failures"), 21);
  fail_unless_equals_int (stat_of (p.dec->element, 0, "recv-drop-count"), 21);
  fail_unless_equals_int (stat_of (p.dec->element, 5, "packets"), 4);
  /* none within the second of the first (a loaded machine may take
   * longer: then at most one per elapsed second) */
  fail_unless (count_warnings (p.bus, 5) <=
      (g_get_monotonic_time () - t0) / G_USEC_PER_SEC);
  fail_unless (gst_bus_pop_filtered (p.bus, GST_MESSAGE_ERROR) == NULL);
  pair_clear (&p);
}

GST_END_TEST;

GST_START_TEST (test_replay)
{
  Pair p;
  GstBuffer *b, *out;

  pair_init (&p);
  b = protect (p.enc, 5, 10);
  fail_unless_equals_int (gst_harness_push (p.dec, gst_buffer_copy_deep (b)),
      GST_FLOW_OK);
  out = gst_harness_try_pull (p.dec);
  fail_unless (out != NULL);
  gst_buffer_unref (out);
  fail_unless_equals_int (gst_harness_push (p.dec, b), GST_FLOW_OK);
  fail_unless (gst_harness_try_pull (p.dec) == NULL);
  fail_unless_equals_int (stat_of (p.dec->element, 5, "replays"), 1);
  fail_unless_equals_int (stat_of (p.dec->element, 0, "replays"), 1);
  pair_clear (&p);
}

GST_END_TEST;

GST_START_TEST (test_wrong_key)
{
  Pair p;
  GstBuffer *other = gst_buffer_new_allocate (NULL, 30, NULL);
  guint i, n;
  gint64 t0;

  gst_buffer_memset (other, 0, 0x42, 30);
  pair_init (&p);
  g_object_set (p.dec->element, "key", other, NULL);
  t0 = g_get_monotonic_time ();
  for (i = 0; i < 50; i++)
    fail_unless_equals_int (gst_harness_push (p.dec, protect (p.enc, 5, i)),
        GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_buffers_received (p.dec), 0);
  fail_unless_equals_int (stat_of (p.dec->element, 5, "auth-failures"), 50);
  n = count_warnings (p.bus, 5);
  fail_unless (n >= 1 && n <= 1 + (g_get_monotonic_time () - t0) /
      G_USEC_PER_SEC, "%u warnings", n);
  gst_buffer_unref (other);
  pair_clear (&p);
}

GST_END_TEST;

GST_START_TEST (test_garbage)
{
  Pair p;
  GRand *r = g_rand_new_with_seed (1234);
  guint i;

  pair_init (&p);
  for (i = 0; i < 500; i++) {
    gsize len = g_rand_int_range (r, 0, 300), j;
    GstBuffer *b = gst_buffer_new_allocate (NULL, len, NULL);
    GstMapInfo map;

    gst_buffer_map (b, &map, GST_MAP_WRITE);
    for (j = 0; j < len; j++)
      map.data[j] = g_rand_int (r);
    if (len > 0 && (i % 2))
      map.data[0] = 0x80;       /* looks like RTP v2 */
    gst_buffer_unmap (b, &map);
    fail_unless_equals_int (gst_harness_push (p.dec, b), GST_FLOW_OK);
  }
  fail_unless_equals_int (gst_harness_buffers_received (p.dec), 0);
  fail_unless_equals_int (stat_of (p.dec->element, 0, "recv-drop-count"), 500);
  /* and a good packet still flows */
  fail_unless_equals_int (gst_harness_push (p.dec, protect (p.enc, 5, 1)),
      GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_buffers_received (p.dec), 1);
  fail_unless (gst_bus_pop_filtered (p.bus, GST_MESSAGE_ERROR) == NULL);
  g_rand_free (r);
  pair_clear (&p);
}

GST_END_TEST;

/* forged packets with random SSRCs cannot grow the decoder without bound */
GST_START_TEST (test_random_ssrcs_bounded)
{
  Pair p;
  const GValue *streams;
  GstStructure *stats;
  guint i;

  pair_init (&p);
  for (i = 0; i < 1500; i++) {
    GstBuffer *b = pgsm_test_rtp_new (0x10000 + i, 1, 160, 0x55);

    gst_buffer_memset (b, 12, 0xaa, 160);       /* no valid tag */
    fail_unless_equals_int (gst_harness_push (p.dec, b), GST_FLOW_OK);
  }
  fail_unless_equals_int (gst_harness_buffers_received (p.dec), 0);
  fail_unless_equals_int (stat_of (p.dec->element, 0, "auth-failures"), 1500);
  g_object_get (p.dec->element, "stats", &stats, NULL);
  streams = gst_structure_get_value (stats, "streams");
  fail_unless (gst_value_array_get_size (streams) <= 1024);
  gst_structure_free (stats);
  pair_clear (&p);
}

GST_END_TEST;

/* an input buffer someone else holds is never modified (srtpdec 1.22 uses
 * a freed buffer here) */
GST_START_TEST (test_copy_on_write)
{
  Pair p;
  GstBuffer *b, *copy, *out;
  GstBufferList *list;
  guint i;

  pair_init (&p);
  b = protect (p.enc, 5, 1);
  copy = gst_buffer_copy_deep (b);
  fail_unless_equals_int (gst_harness_push (p.dec, gst_buffer_ref (b)),
      GST_FLOW_OK);
  out = gst_harness_try_pull (p.dec);
  fail_unless (out != NULL);
  fail_unless (pgsm_test_buffer_equals (b, copy), "shared input was modified");
  gst_buffer_unref (out);
  gst_buffer_unref (b);
  gst_buffer_unref (copy);

  /* a list whose buffers we also hold */
  list = gst_buffer_list_new ();
  {
    GstBuffer *held[4];
    GstBuffer *copies[4];

    for (i = 0; i < 4; i++) {
      held[i] = protect (p.enc, 5, 2 + i);
      copies[i] = gst_buffer_copy_deep (held[i]);
      gst_buffer_list_add (list, gst_buffer_ref (held[i]));
    }
    gst_buffer_list_ref (list);
    fail_unless_equals_int (gst_pad_push_list (p.dec->srcpad, list),
        GST_FLOW_OK);
    for (i = 0; i < 4; i++) {
      fail_unless (pgsm_test_buffer_equals (held[i], copies[i]));
      fail_unless (gst_buffer_list_get (list, i) == held[i]);
      gst_buffer_unref (held[i]);
      gst_buffer_unref (copies[i]);
      out = gst_harness_try_pull (p.dec);
      fail_unless (out != NULL);
      gst_buffer_unref (out);
    }
    gst_buffer_list_unref (list);
  }
  pair_clear (&p);
}

GST_END_TEST;

/* An SRTP packet in another shape: split in two memories after the RTP
 * header (@shape 1), or in one read-only memory (@shape 2) */
static GstBuffer *
reshape (GstBuffer * srtp, guint shape)
{
  GstMapInfo map;
  GstBuffer *out;

  gst_buffer_map (srtp, &map, GST_MAP_READ);
  out = gst_buffer_new_memdup (map.data, shape == 1 ? 12 : map.size);
  if (shape == 1) {
    gst_buffer_append_memory (out, gst_allocator_alloc (NULL, map.size - 12,
            NULL));
    gst_buffer_fill (out, 12, map.data + 12, map.size - 12);
    fail_unless_equals_int (gst_buffer_n_memory (out), 2);
  } else {
    GST_MINI_OBJECT_FLAG_SET (gst_buffer_peek_memory (out, 0),
        GST_MINI_OBJECT_FLAG_LOCK_READONLY);
    fail_unless (GST_MEMORY_IS_READONLY (gst_buffer_peek_memory (out, 0)));
  }
  gst_buffer_unmap (srtp, &map);
  gst_buffer_unref (srtp);
  return out;
}

static GstBuffer *
reshape_or_not (GstBuffer * srtp, guint shape)
{
  return shape == 0 ? srtp : reshape (srtp, shape);
}

/* Packets as the encoder sends them (its recycled copies), split in two
 * memories, in a read-only memory, alone and mixed in a list: each one
 * decrypts, in order, and a read-only input is left as it came */
GST_START_TEST (test_input_shapes)
{
  Pair p;
  GstBuffer *in, *copy, *out;
  GstBufferList *list;
  guint i, shape;
  guint16 seq = 1;

  pair_init (&p);
  for (shape = 0; shape < 3; shape++) {
    for (i = 0; i < 3; i++, seq++) {
      GstBuffer *plain = pgsm_test_rtp_new (5, seq, 160, seq);

      in = reshape_or_not (protect (p.enc, 5, seq), shape);
      copy = gst_buffer_copy_deep (in);
      if (shape == 2)
        gst_buffer_ref (in);
      fail_unless_equals_int (gst_harness_push (p.dec, in), GST_FLOW_OK);
      out = gst_harness_try_pull (p.dec);
      fail_unless (out != NULL, "shape %u: dropped", shape);
      fail_unless (pgsm_test_buffer_equals (out, plain),
          "shape %u: wrong packet", shape);
      if (shape == 2) {
        fail_unless (pgsm_test_buffer_equals (in, copy),
            "read-only input modified");
        gst_buffer_unref (in);
      }
      gst_buffer_unref (out);
      gst_buffer_unref (copy);
      gst_buffer_unref (plain);
    }
  }

  list = gst_buffer_list_new ();
  for (i = 0; i < 6; i++)
    gst_buffer_list_add (list, reshape_or_not (protect (p.enc, 5, seq + i),
            i % 3));
  fail_unless_equals_int (gst_pad_push_list (p.dec->srcpad, list), GST_FLOW_OK);
  for (i = 0; i < 6; i++) {
    GstBuffer *plain = pgsm_test_rtp_new (5, seq + i, 160, seq + i);

    out = gst_harness_try_pull (p.dec);
    fail_unless (out != NULL, "list packet %u dropped", i);
    fail_unless (pgsm_test_buffer_equals (out, plain), "list packet %u wrong",
        i);
    gst_buffer_unref (out);
    gst_buffer_unref (plain);
  }
  fail_unless (gst_harness_try_pull (p.dec) == NULL);
  pair_clear (&p);
}

GST_END_TEST;

/* srtpdec-style keys in caps with ssrc, late join with roc */
GST_START_TEST (test_caps_keys_late_join_roc)
{
  GstBuffer *key = gst_buffer_new_memdup (pgsm_test_rfc3711_master, 30);
  GstHarness *enc = pgsm_test_srtp_enc_harness (FALSE, "key", key, NULL);
  GstHarness *dec = pgsm_test_srtp_dec_harness (FALSE);
  GstCaps *caps;
  GstBuffer *b, *out;
  guint i;

  pgsm_test_srtp_enc_harness_start (enc, FALSE, 77);
  /* sender crosses the wrap: ROC 1 */
  for (i = 65533; i < 65536 + 3; i++)
    gst_buffer_unref (protect (enc, 77, i & 0xffff));

  caps = gst_caps_new_simple ("application/x-srtp", "ssrc", G_TYPE_UINT, 77,
      "srtp-key", GST_TYPE_BUFFER, key, "srtp-cipher", G_TYPE_STRING,
      "aes-128-icm", "srtp-auth", G_TYPE_STRING, "hmac-sha1-80",
      "srtcp-cipher", G_TYPE_STRING, "aes-128-icm", "srtcp-auth",
      G_TYPE_STRING, "hmac-sha1-80", "roc", G_TYPE_UINT, 1, NULL);
  gst_harness_set_src_caps (dec, caps);
  for (i = 3; i < 8; i++) {
    b = protect (enc, 77, i);
    fail_unless_equals_int (gst_harness_push (dec, b), GST_FLOW_OK);
    out = gst_harness_try_pull (dec);
    fail_unless (out != NULL, "late joiner lost packet %u", i);
    gst_buffer_unref (out);
  }
  /* output caps carry no keying */
  caps = gst_pad_get_current_caps (dec->sinkpad);
  fail_unless (gst_structure_has_name (gst_caps_get_structure (caps, 0),
          "application/x-rtp"));
  fail_if (gst_structure_has_field (gst_caps_get_structure (caps, 0),
          "srtp-key"));
  gst_caps_unref (caps);
  fail_unless_equals_int (stat_of (dec->element, 77, "roc") == 0, 1);
  gst_buffer_unref (key);
  gst_harness_teardown (enc);
  gst_harness_teardown (dec);
}

GST_END_TEST;

/* two keys with MKIs in caps; the sender switches key and MKI */
GST_START_TEST (test_mki_two_keys)
{
  GstBuffer *k1 = gst_buffer_new_memdup (pgsm_test_rfc3711_master, 30);
  GstBuffer *k2 = gst_buffer_new_allocate (NULL, 30, NULL);
  GstBuffer *m1, *m2;
  GstHarness *enc, *dec;
  GstCaps *caps;
  guint8 id1[] = { 0, 1 }, id2[] = { 0, 2 };
  guint i;

  gst_buffer_memset (k2, 0, 0x5a, 30);
  m1 = gst_buffer_new_memdup (id1, 2);
  m2 = gst_buffer_new_memdup (id2, 2);
  enc = pgsm_test_srtp_enc_harness (FALSE, "key", k1, "mki", m1, NULL);
  dec = pgsm_test_srtp_dec_harness (FALSE);
  pgsm_test_srtp_enc_harness_start (enc, FALSE, 9);
  caps = gst_caps_new_simple ("application/x-srtp", "ssrc", G_TYPE_UINT, 9,
      "srtp-cipher", G_TYPE_STRING, "aes-128-icm", "srtp-auth",
      G_TYPE_STRING, "hmac-sha1-80", "srtcp-cipher", G_TYPE_STRING,
      "aes-128-icm", "srtcp-auth", G_TYPE_STRING, "hmac-sha1-80",
      "srtp-key", GST_TYPE_BUFFER, k1, "mki", GST_TYPE_BUFFER, m1,
      "srtp-key2", GST_TYPE_BUFFER, k2, "mki2", GST_TYPE_BUFFER, m2, NULL);
  gst_harness_set_src_caps (dec, caps);
  for (i = 0; i < 10; i++) {
    GstBuffer *out;

    if (i == 5)
      g_object_set (enc->element, "key", k2, "mki", m2, NULL);
    fail_unless_equals_int (gst_harness_push (dec, protect (enc, 9, i)),
        GST_FLOW_OK);
    out = gst_harness_try_pull (dec);
    fail_unless (out != NULL, "packet %u lost", i);
    gst_buffer_unref (out);
  }
  gst_buffer_unref (k1);
  gst_buffer_unref (k2);
  gst_buffer_unref (m1);
  gst_buffer_unref (m2);
  gst_harness_teardown (enc);
  gst_harness_teardown (dec);
}

GST_END_TEST;

static GstCaps *
request_key_cb (GstElement * dec, guint ssrc, GstBuffer * key)
{
  return gst_caps_new_simple ("application/x-srtp",
      "srtp-key", GST_TYPE_BUFFER, key, "srtp-cipher", G_TYPE_STRING,
      "aes-128-icm", "srtp-auth", G_TYPE_STRING, "hmac-sha1-80",
      "srtcp-cipher", G_TYPE_STRING, "aes-128-icm", "srtcp-auth",
      G_TYPE_STRING, "hmac-sha1-80", NULL);
}

GST_START_TEST (test_request_key_and_remove)
{
  GstBuffer *key = gst_buffer_new_memdup (pgsm_test_rfc3711_master, 30);
  GstHarness *enc = pgsm_test_srtp_enc_harness (FALSE, "key", key, NULL);
  GstHarness *dec = pgsm_test_srtp_dec_harness (FALSE);
  GstBuffer *out;
  gulong id;

  pgsm_test_srtp_enc_harness_start (enc, FALSE, 3);
  pgsm_test_srtp_dec_harness_start (dec, FALSE);
  /* no key, no handler: dropped and counted */
  fail_unless_equals_int (gst_harness_push (dec, protect (enc, 3, 1)),
      GST_FLOW_OK);
  fail_unless (gst_harness_try_pull (dec) == NULL);
  fail_unless_equals_int (stat_of (dec->element, 3, "no-key"), 1);

  id = g_signal_connect (dec->element, "request-key",
      G_CALLBACK (request_key_cb), key);
  g_signal_emit_by_name (dec->element, "clear-keys");
  fail_unless_equals_int (gst_harness_push (dec, protect (enc, 3, 2)),
      GST_FLOW_OK);
  out = gst_harness_try_pull (dec);
  fail_unless (out != NULL);
  gst_buffer_unref (out);
  g_signal_handler_disconnect (dec->element, id);
  g_signal_emit_by_name (dec->element, "remove-key", 3);
  gst_harness_teardown (enc);
  gst_harness_teardown (dec);
  gst_buffer_unref (key);
}

GST_END_TEST;

static GString *captured;

static void
capture_log (GstDebugCategory * category, GstDebugLevel level,
    const gchar * file, const gchar * function, gint line, GObject * object,
    GstDebugMessage * message, gpointer user_data)
{
  const gchar *m = gst_debug_message_get (message);

  if (m) {
    g_string_append (captured, m);
    g_string_append_c (captured, '\n');
  }
}

static gboolean
log_has (const guint8 * key, gsize len)
{
  gchar *hex = g_malloc (2 * len + 1), *b64;
  gboolean found;
  gsize i;

  for (i = 0; i < len; i++)
    g_snprintf (hex + 2 * i, 3, "%02x", key[i]);
  found = strstr (captured->str, hex) != NULL;
  for (i = 0; i < 2 * len; i++)
    hex[i] = g_ascii_toupper (hex[i]);
  found |= strstr (captured->str, hex) != NULL;
  /* 12 hex digits of the key or salt alone are enough to leak */
  hex[12] = 0;
  found |= strstr (captured->str, hex) != NULL;
  b64 = g_base64_encode (key, len);
  b64[16] = 0;
  found |= strstr (captured->str, b64) != NULL;
  g_free (hex);
  g_free (b64);
  return found;
}

/* GST_DEBUG=*:9 over a full round trip with key, crypto and MKI: no byte
 * of any key in the log */
GST_START_TEST (test_no_key_in_debug_log)
{
  guint8 raw[30];
  GstBuffer *key;
  gchar *b64, *crypto;
  GstHarness *enc, *dec;
  guint i;

  for (i = 0; i < 30; i++)
    raw[i] = 0xa0 + i;
  key = gst_buffer_new_memdup (raw, 30);
  b64 = g_base64_encode (raw, 30);
  crypto = g_strdup_printf ("1 AES_CM_128_HMAC_SHA1_80 inline:%s|2^20|1:4",
      b64);

  captured = g_string_new (NULL);
  gst_debug_remove_log_function (gst_debug_log_default);
  gst_debug_add_log_function (capture_log, NULL, NULL);
  gst_debug_set_active (TRUE);
  gst_debug_set_default_threshold (GST_LEVEL_MEMDUMP);

  enc = pgsm_test_srtp_enc_harness (FALSE, "crypto", crypto, NULL);
  dec = pgsm_test_srtp_dec_harness (FALSE);
  g_object_set (dec->element, "key", key, "mki", NULL, NULL);
  g_object_set (dec->element, "crypto", crypto, NULL);
  pgsm_test_srtp_enc_harness_start (enc, FALSE, 12);
  pgsm_test_srtp_dec_harness_start (dec, FALSE);
  for (i = 0; i < 5; i++) {
    GstBuffer *out;

    gst_harness_push (dec, protect (enc, 12, i));
    out = gst_harness_try_pull (dec);
    fail_unless (out != NULL);
    gst_buffer_unref (out);
  }
  {
    GstBuffer *b = protect (enc, 12, 9);

    flip_byte (b, 15);
    gst_harness_push (dec, b);
  }
  gst_harness_teardown (enc);
  gst_harness_teardown (dec);

  gst_debug_set_default_threshold (GST_LEVEL_NONE);
  gst_debug_remove_log_function (capture_log);
  gst_debug_add_log_function (gst_debug_log_default, NULL, NULL);

  fail_unless (captured->len > 10000, "log too small: %" G_GSIZE_FORMAT,
      captured->len);
  fail_unless (strstr (captured->str, "pgsmsrtpenc") != NULL);
  fail_if (log_has (raw, 16), "master key found in the debug log");
  fail_if (log_has (raw + 16, 14), "master salt found in the debug log");
  fail_if (strstr (captured->str, b64) != NULL);
  g_string_free (captured, TRUE);
  g_free (b64);
  g_free (crypto);
  gst_buffer_unref (key);
}

GST_END_TEST;


static GstCaps *
limit_cb (GstElement * dec, guint ssrc, gint * count)
{
  (*count)++;
  return NULL;
}

GST_START_TEST (test_lifetime_signals)
{
  GstBuffer *key = gst_buffer_new_memdup (pgsm_test_rfc3711_master, 30);
  gchar *b64 = g_base64_encode (pgsm_test_rfc3711_master, 30);
  gchar *crypto = g_strdup_printf ("1 AES_CM_128_HMAC_SHA1_80 inline:%s|2^4",
      b64);
  GstHarness *enc = pgsm_test_srtp_enc_harness (FALSE, "key", key, NULL);
  GstHarness *dec = pgsm_test_srtp_dec_harness (FALSE);
  gint soft = 0, hard = 0;
  guint i;

  g_object_set (dec->element, "crypto", crypto, NULL);
  g_signal_connect (dec->element, "soft-limit", G_CALLBACK (limit_cb), &soft);
  g_signal_connect (dec->element, "hard-limit", G_CALLBACK (limit_cb), &hard);
  pgsm_test_srtp_enc_harness_start (enc, FALSE, 8);
  pgsm_test_srtp_dec_harness_start (dec, FALSE);
  for (i = 0; i < 16; i++) {
    gst_harness_push (dec, protect (enc, 8, i));
    fail_unless_equals_int (soft, i >= 14 ? 1 : 0);
  }
  fail_unless_equals_int (gst_harness_buffers_received (dec), 16);
  fail_unless_equals_int (hard, 0);
  gst_harness_push (dec, protect (enc, 8, 16));
  gst_harness_push (dec, protect (enc, 8, 17));
  fail_unless_equals_int (hard, 1);
  fail_unless_equals_int (gst_harness_buffers_received (dec), 16);
  fail_unless_equals_int (stat_of (dec->element, 8, "no-key"), 2);
  g_free (crypto);
  g_free (b64);
  gst_buffer_unref (key);
  gst_harness_teardown (enc);
  gst_harness_teardown (dec);
}

GST_END_TEST;

/* SRTCP on the RTP pad (payload type 64-80), as srtpdec handles it */
GST_START_TEST (test_rtcp_mux)
{
  GstBuffer *key = gst_buffer_new_memdup (pgsm_test_rfc3711_master, 30);
  GstHarness *enc = pgsm_test_srtp_enc_harness (TRUE, "key", key, NULL);
  GstHarness *dec = pgsm_test_srtp_dec_harness (FALSE);
  GstBuffer *rr = pgsm_test_rtcp_rr_new (66), *orig =
      gst_buffer_copy_deep (rr), *out;

  g_object_set (dec->element, "key", key, NULL);
  pgsm_test_srtp_enc_harness_start (enc, TRUE, 66);
  pgsm_test_srtp_dec_harness_start (dec, FALSE);
  fail_unless_equals_int (gst_harness_push (dec,
          gst_harness_push_and_pull (enc, rr)), GST_FLOW_OK);
  out = gst_harness_try_pull (dec);
  fail_unless (out != NULL);
  fail_unless (pgsm_test_buffer_equals (out, orig));
  fail_unless_equals_int (stat_of (dec->element, 66, "rtcp-packets"), 1);
  gst_buffer_unref (out);
  gst_buffer_unref (orig);
  gst_buffer_unref (key);
  gst_harness_teardown (enc);
  gst_harness_teardown (dec);
}

GST_END_TEST;

static guint dec_warnings;

static void
count_dec_warning (const gchar * domain, GLogLevelFlags level,
    const gchar * message, gpointer user_data)
{
  dec_warnings++;
}

GST_START_TEST (test_refuses_bad_crypto)
{
  GstElement *e = gst_element_factory_make ("pgsmsrtpdec", NULL);
  GstBus *bus = gst_bus_new ();
  GstMessage *msg;

  g_log_set_handler ("GstPgsmSrtp", G_LOG_LEVEL_WARNING, count_dec_warning,
      NULL);
  gst_element_set_bus (e, bus);
  /* 36 base64 characters: too short for AES_CM_128 */
  g_object_set (e, "crypto", "1 AES_CM_128_HMAC_SHA1_80 "
      "inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBka", NULL);
  fail_unless_equals_int (dec_warnings, 1);
  fail_unless_equals_int (gst_element_set_state (e, GST_STATE_PAUSED),
      GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL);
  gst_message_unref (msg);
  gst_element_set_state (e, GST_STATE_NULL);
  gst_element_set_bus (e, NULL);
  gst_object_unref (bus);
  gst_object_unref (e);
}

GST_END_TEST;


static GstCaps *
caps_for_key (guint32 ssrc, GstBuffer * key)
{
  return gst_caps_new_simple ("application/x-srtp", "ssrc", G_TYPE_UINT,
      ssrc, "srtp-key", GST_TYPE_BUFFER, key, "srtp-cipher", G_TYPE_STRING,
      "aes-128-icm", "srtp-auth", G_TYPE_STRING, "hmac-sha1-80",
      "srtcp-cipher", G_TYPE_STRING, "aes-128-icm", "srtcp-auth",
      G_TYPE_STRING, "hmac-sha1-80", NULL);
}

/* new caps keys for a known SSRC after the wrap: the stream keeps its ROC;
 * then the key property is removed: nothing decrypts any more */
GST_START_TEST (test_caps_rekey_keeps_roc_and_key_removal)
{
  GstBuffer *k1 = gst_buffer_new_memdup (pgsm_test_rfc3711_master, 30);
  GstBuffer *k2 = gst_buffer_new_allocate (NULL, 30, NULL);
  GstHarness *enc = pgsm_test_srtp_enc_harness (FALSE, "key", k1, NULL);
  GstHarness *dec = pgsm_test_srtp_dec_harness (FALSE);
  guint i;

  gst_buffer_memset (k2, 0, 0x33, 30);
  pgsm_test_srtp_enc_harness_start (enc, FALSE, 31);
  gst_harness_play (dec);
  gst_harness_set_src_caps (dec, caps_for_key (31, k1));
  for (i = 65530; i < 65536 + 10; i++) {
    GstBuffer *out;

    if (i == 65536 + 5) {
      g_object_set (enc->element, "key", k2, NULL);
      gst_harness_set_src_caps (dec, caps_for_key (31, k2));
    }
    gst_harness_push (dec, protect (enc, 31, i & 0xffff));
    out = gst_harness_try_pull (dec);
    fail_unless (out != NULL, "packet %u lost", i);
    gst_buffer_unref (out);
  }
  fail_unless_equals_int (stat_of (dec->element, 31, "packets"), 16);
  gst_harness_teardown (dec);

  /* property key, then removed while playing */
  dec = pgsm_test_srtp_dec_harness (FALSE);
  g_object_set (dec->element, "key", k2, NULL);
  pgsm_test_srtp_dec_harness_start (dec, FALSE);
  gst_harness_push (dec, protect (enc, 32, 20));
  fail_unless_equals_int (gst_harness_buffers_received (dec), 1);
  g_object_set (dec->element, "key", NULL, NULL);
  gst_harness_push (dec, protect (enc, 32, 21));
  fail_unless_equals_int (gst_harness_buffers_received (dec), 1);
  fail_unless_equals_int (stat_of (dec->element, 32, "no-key"), 1);

  gst_buffer_unref (k1);
  gst_buffer_unref (k2);
  gst_harness_teardown (enc);
  gst_harness_teardown (dec);
}

GST_END_TEST;

static Suite *
pgsmsrtpdec_suite (void)
{
  Suite *s = suite_create ("pgsmsrtpdec");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_tamper_dropped_counted_one_warning);
  tcase_add_test (tc, test_replay);
  tcase_add_test (tc, test_wrong_key);
  tcase_add_test (tc, test_garbage);
  tcase_add_test (tc, test_random_ssrcs_bounded);
  tcase_add_test (tc, test_copy_on_write);
  tcase_add_test (tc, test_input_shapes);
  tcase_add_test (tc, test_caps_keys_late_join_roc);
  tcase_add_test (tc, test_mki_two_keys);
  tcase_add_test (tc, test_request_key_and_remove);
  tcase_add_test (tc, test_no_key_in_debug_log);
  tcase_add_test (tc, test_lifetime_signals);
  tcase_add_test (tc, test_rtcp_mux);
  tcase_add_test (tc, test_refuses_bad_crypto);
  tcase_add_test (tc, test_caps_rekey_keeps_roc_and_key_removal);
  return s;
}

GST_CHECK_MAIN (pgsmsrtpdec);
