/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* libFuzzer target for pgsmsrtpdec's packet path. The element's sources are
 * compiled into the target (run.sh, meson) and registered statically; three
 * decoders are made once, each driven through a GstHarness on rtp_sink and
 * one on rtcp_sink:
 *
 *   0: AES_CM_128_HMAC_SHA1_80, key from the `key` property
 *   1: AEAD_AES_128_GCM, key from application/x-srtp caps (no ssrc)
 *   2: NULL cipher + NULL auth from caps: every mutated packet passes the
 *      (absent) tag check and reaches libsrtp2's header handling
 *
 * Input layout: byte 0 selects
 *   bits 0-1  the decoder (value % 3)
 *   bit 2     rtcp_sink instead of rtp_sink
 *   bit 3     the rest is *plain* RTP/RTCP: protect it first with a sender
 *             session holding the same key (so the packet authenticates),
 *             then XOR byte 2 into the byte at offset byte 1 (when byte 2
 *             is non-zero)
 *   bit 4     push as a buffer list holding the packet twice (chain_list)
 *   bit 5     keep a second reference (the element must not write in place)
 * The rest (from byte 1, or byte 3 in protect mode) is the packet.
 *
 * With PGSM_FUZZ_WRITE_SEEDS=DIR set, start-up writes seed inputs into DIR
 * (how tests/fuzz/corpus/srtp_packet/ was made): plain RTP/RTCP packets in
 * protect mode and the same packets already protected, in raw mode.
 *
 * Checks, besides ASan/UBSan: no GLib critical/warning (fatal), a shared
 * input buffer is never modified, output is never longer than the input. */

#include <string.h>
#include <stdint.h>
#include <stdlib.h>
#include <gst/gst.h>
#include <gst/check/gstharness.h>

#include "ext/srtp/gstpgsmsrtpelements.h"
#include "ext/srtp/gstpgsmsrtp.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t * data, size_t size);

#define N_DECODERS 3

typedef struct
{
  GstElement *dec;
  GstHarness *rtp;
  GstHarness *rtcp;
  srtp_t sender;
} Decoder;

static Decoder decoders[N_DECODERS];

static const guint8 fixed_key[46] = {
  0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b,
  0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
  0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23,
  0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d
};

static const struct
{
  const gchar *cipher;
  const gchar *auth;
  guint key_len;
  gboolean via_property;
} configs[N_DECODERS] = {
  {"aes-128-icm", "hmac-sha1-80", 30, TRUE},
  {"aes-128-gcm", "null", 28, FALSE},
  {"null", "null", 30, FALSE},
};

static GstCaps *
caps_for (guint i, gboolean rtcp)
{
  GstCaps *caps;

  caps = gst_caps_new_simple (rtcp ? "application/x-srtcp" :
      "application/x-srtp", "media", G_TYPE_STRING, "audio",
      "clock-rate", G_TYPE_INT, 8000, "encoding-name", G_TYPE_STRING, "PCMU",
      "payload", G_TYPE_INT, 0, NULL);
  if (!configs[i].via_property) {
    GstBuffer *key = gst_buffer_new_memdup (fixed_key, configs[i].key_len);

    gst_caps_set_simple (caps,
        "srtp-cipher", G_TYPE_STRING, configs[i].cipher,
        "srtp-auth", G_TYPE_STRING, configs[i].auth,
        "srtcp-cipher", G_TYPE_STRING, configs[i].cipher,
        "srtcp-auth", G_TYPE_STRING, configs[i].auth,
        "srtp-key", GST_TYPE_BUFFER, key, NULL);
    gst_buffer_unref (key);
  }
  return caps;
}

/* A libsrtp2 session that protects with the decoder's key: inputs in
 * "protect" mode then authenticate and reach the decrypting code. */
static srtp_t
make_sender (guint i)
{
  GstPgsmSrtpKeying k;
  GstPgsmSrtpPolicy p;
  GstStructure *s;
  GstBuffer *key = gst_buffer_new_memdup (fixed_key, configs[i].key_len);
  GError *error = NULL;
  srtp_t session = NULL;

  s = gst_structure_new ("application/x-srtp",
      "srtp-cipher", G_TYPE_STRING, configs[i].cipher,
      "srtp-auth", G_TYPE_STRING, configs[i].auth,
      "srtcp-cipher", G_TYPE_STRING, configs[i].cipher,
      "srtcp-auth", G_TYPE_STRING, configs[i].auth,
      "srtp-key", GST_TYPE_BUFFER, key, NULL);
  gst_buffer_unref (key);
  gst_pgsm_srtp_keying_init (&k);
  if (!gst_pgsm_srtp_keying_from_structure (&k, s, &error))
    g_error ("sender keying %u: %s", i, error->message);
  if (!gst_pgsm_srtp_policy_fill (&p, &k, ssrc_any_outbound, 0, 1024, TRUE))
    g_error ("sender policy %u", i);
  if (srtp_create (&session, &p.policy) != srtp_err_status_ok)
    g_error ("srtp_create %u", i);
  gst_pgsm_srtp_keying_clear (&k);
  gst_structure_free (s);
  return session;
}

static void
write_seed (const gchar * dir, const gchar * name, guint8 sel,
    const guint8 * pkt, gsize len)
{
  GByteArray *a = g_byte_array_new ();
  gchar *path = g_build_filename (dir, name, NULL);

  g_byte_array_append (a, &sel, 1);
  if (sel & 8) {
    guint8 none[2] = { 0, 0 };
    g_byte_array_append (a, none, 2);
  }
  g_byte_array_append (a, pkt, len);
  if (!g_file_set_contents (path, (const gchar *) a->data, a->len, NULL))
    g_error ("cannot write %s", path);
  g_free (path);
  g_byte_array_unref (a);
}

/* RTP: V=2, PCMU, seq, ts, SSRC, 20 bytes of payload; with a CSRC and a
 * header extension in the second; RTCP: an SR with one report block */
static void
write_seeds (const gchar * dir)
{
  static const guint8 rtp[] = {
    0x80, 0x00, 0x12, 0x34, 0x00, 0x00, 0x10, 0x00, 0xde, 0xad, 0xbe, 0xef,
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20
  };
  static const guint8 rtp_ext[] = {
    0x91, 0x80, 0x00, 0x01, 0x00, 0x00, 0x00, 0xa0, 0x11, 0x22, 0x33, 0x44,
    0x55, 0x66, 0x77, 0x88, 0xbe, 0xde, 0x00, 0x01, 0x10, 0xaa, 0x00, 0x00,
    1, 2, 3, 4, 5, 6, 7, 8
  };
  static const guint8 rtcp[] = {
    0x81, 0xc8, 0x00, 0x0c, 0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 1, 0, 0, 0, 2,
    0, 0, 0x10, 0, 0, 0, 0, 5, 0, 0, 0, 100, 0x11, 0x22, 0x33, 0x44,
    0, 0, 0, 0, 0, 0, 0x12, 0x34, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
  };
  guint i;

  g_mkdir_with_parents (dir, 0755);
  for (i = 0; i < N_DECODERS; i++) {
    const struct
    {
      const gchar *name;
      const guint8 *pkt;
      gsize len;
      gboolean rtcp;
    } plain[] = {
      {"rtp", rtp, sizeof (rtp), FALSE},
      {"rtp-ext", rtp_ext, sizeof (rtp_ext), FALSE},
      {"rtcp", rtcp, sizeof (rtcp), TRUE},
    };
    guint j;

    for (j = 0; j < G_N_ELEMENTS (plain); j++) {
      guint8 buf[256];
      int len = plain[j].len;
      guint8 sel = i | (plain[j].rtcp ? 4 : 0);
      gchar *name;
      srtp_err_status_t ret;

      name = g_strdup_printf ("plain-%u-%s", i, plain[j].name);
      write_seed (dir, name, sel | 8, plain[j].pkt, plain[j].len);
      g_free (name);
      memcpy (buf, plain[j].pkt, len);
      ret = plain[j].rtcp ? srtp_protect_rtcp (decoders[i].sender, buf, &len)
          : srtp_protect (decoders[i].sender, buf, &len);
      g_assert (ret == srtp_err_status_ok);
      name = g_strdup_printf ("protected-%u-%s", i, plain[j].name);
      write_seed (dir, name, sel, buf, len);
      g_free (name);
      name = g_strdup_printf ("protected-%u-%s-list", i, plain[j].name);
      write_seed (dir, name, sel | 16, buf, len);
      g_free (name);
      name = g_strdup_printf ("protected-%u-%s-shared", i, plain[j].name);
      write_seed (dir, name, sel | 32, buf, len);
      g_free (name);
    }
  }
  write_seed (dir, "garbage-short", 0, (const guint8 *) "\x80", 1);
  write_seed (dir, "garbage-text", 0, (const guint8 *) "not an RTP packet", 17);
  write_seed (dir, "rtcp-on-rtp-pt72", 0, rtcp, 8);
}

/* The decoders keep state across inputs (replay windows, one libsrtp2
 * stream and one stats entry per SSRC seen): they are made anew every
 * REBUILD_EVERY inputs, which also exercises their teardown, and keeps the
 * SSRC tables (which grow with every new SSRC, see docs/hardening.md)
 * small enough for the fuzzer to stay fast. */
#define REBUILD_EVERY 4096

static void
make_decoders (void)
{
  guint i;

  for (i = 0; i < N_DECODERS; i++) {
    Decoder *d = &decoders[i];
    GstCaps *caps;

    d->dec = gst_element_factory_make ("pgsmsrtpdec", NULL);
    g_assert (d->dec);
    if (configs[i].via_property) {
      GstBuffer *key = gst_buffer_new_memdup (fixed_key, configs[i].key_len);

      g_object_set (d->dec, "key", key, NULL);
      gst_buffer_unref (key);
    }
    d->rtp = gst_harness_new_with_element (d->dec, "rtp_sink", "rtp_src");
    d->rtcp = gst_harness_new_with_element (d->dec, "rtcp_sink", "rtcp_src");
    caps = caps_for (i, FALSE);
    gst_harness_set_src_caps (d->rtp, caps);
    caps = caps_for (i, TRUE);
    gst_harness_set_src_caps (d->rtcp, caps);
    if (d->sender == NULL)
      d->sender = make_sender (i);
  }
}

static void
free_decoders (void)
{
  guint i;

  for (i = 0; i < N_DECODERS; i++) {
    gst_harness_teardown (decoders[i].rtcp);
    gst_harness_teardown (decoders[i].rtp);
    gst_object_unref (decoders[i].dec);
    decoders[i].rtp = decoders[i].rtcp = NULL;
    decoders[i].dec = NULL;
  }
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  (void) argc;
  (void) argv;
  g_setenv ("GST_REGISTRY_DISABLE", "yes", TRUE);
  g_setenv ("GST_REGISTRY_FORK", "no", TRUE);
  g_unsetenv ("GST_DEBUG");
  gst_init (NULL, NULL);
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  if (!GST_ELEMENT_REGISTER (pgsmsrtpdec, NULL))
    g_error ("cannot register pgsmsrtpdec");

  make_decoders ();
  if (g_getenv ("PGSM_FUZZ_WRITE_SEEDS"))
    write_seeds (g_getenv ("PGSM_FUZZ_WRITE_SEEDS"));
  return 0;
}

static void
drain (GstHarness * h, gsize in_size)
{
  GstBuffer *out;

  while ((out = gst_harness_try_pull (h)) != NULL) {
    g_assert_cmpuint (gst_buffer_get_size (out), <=, in_size);
    gst_buffer_unref (out);
  }
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  Decoder *d;
  GstHarness *h;
  GstBuffer *buf;
  guint8 *pkt;
  gsize len;
  gboolean rtcp, protect, as_list, shared;
  guint8 sel;

  static guint inputs = 0;

  if (size < 1 || size > 4096)
    return 0;
  if (++inputs % REBUILD_EVERY == 0) {
    free_decoders ();
    make_decoders ();
  }
  sel = data[0];
  d = &decoders[(sel & 3) % N_DECODERS];
  rtcp = (sel & 4) != 0;
  protect = (sel & 8) != 0;
  as_list = (sel & 16) != 0;
  shared = (sel & 32) != 0;
  h = rtcp ? d->rtcp : d->rtp;

  if (protect) {
    int plen;

    if (size < 3)
      return 0;
    len = size - 3;
    /* room for the tag, the SRTCP index and an MKI */
    pkt = g_malloc0 (len + SRTP_MAX_TRAILER_LEN + 16);
    memcpy (pkt, data + 3, len);
    plen = len;
    if ((rtcp ? srtp_protect_rtcp (d->sender, pkt, &plen) :
            srtp_protect (d->sender, pkt, &plen)) == srtp_err_status_ok) {
      len = plen;
      if (data[2] != 0 && len > 0)
        pkt[data[1] % len] ^= data[2];
    }
  } else {
    len = size - 1;
    /* never NULL, even for an empty packet (gst_buffer_new_wrapped) */
    pkt = g_malloc (MAX (len, 1));
    memcpy (pkt, data + 1, len);
  }

  buf = gst_buffer_new_wrapped (pkt, len);
  if (as_list) {
    GstBufferList *list = gst_buffer_list_new ();

    gst_buffer_list_add (list, gst_buffer_copy_deep (buf));
    gst_buffer_list_add (list, buf);
    g_assert_cmpint (gst_pad_push_list (h->srcpad, list), ==, GST_FLOW_OK);
  } else if (shared) {
    GstBuffer *copy = gst_buffer_copy_deep (buf);
    GstMapInfo a, b;

    gst_harness_push (h, gst_buffer_ref (buf));
    gst_buffer_map (buf, &a, GST_MAP_READ);
    gst_buffer_map (copy, &b, GST_MAP_READ);
    g_assert (a.size == b.size && (a.size == 0 ||
            memcmp (a.data, b.data, a.size) == 0));
    gst_buffer_unmap (buf, &a);
    gst_buffer_unmap (copy, &b);
    gst_buffer_unref (copy);
    gst_buffer_unref (buf);
  } else {
    gst_harness_push (h, buf);
  }
  drain (h, len);
  return 0;
}
