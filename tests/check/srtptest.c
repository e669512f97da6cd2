/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Test packets and harnesses of the SRTP suites: see srtptest.h */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include "srtptest.h"

const guint8 pgsm_test_rfc3711_master[30] = {
  0xE1, 0xF9, 0x7A, 0x0D, 0x3E, 0x01, 0x8B, 0xE0, 0xD6, 0x4F, 0xA3, 0x2C,
  0x06, 0xDE, 0x41, 0x39,
  0x0E, 0xC6, 0x75, 0xAD, 0x49, 0x8A, 0xFE, 0xEB, 0xB6, 0x96, 0x0B, 0x3A,
  0xAB, 0xE6
};

GstBuffer *
pgsm_test_buffer_from_hex (const gchar * hex)
{
  gsize len = strlen (hex) / 2, i;
  guint8 *data = g_malloc (len);

  for (i = 0; i < len; i++)
    data[i] = (g_ascii_xdigit_value (hex[2 * i]) << 4) |
        g_ascii_xdigit_value (hex[2 * i + 1]);
  return gst_buffer_new_wrapped (data, len);
}

GstBuffer *
pgsm_test_rtp_new (guint32 ssrc, guint16 seq, gsize payload_len, guint8 fill)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, 12 + payload_len, NULL);
  GstMapInfo map;
  gsize i;

  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  map.data[0] = 0x80;
  map.data[1] = 0x00;
  GST_WRITE_UINT16_BE (map.data + 2, seq);
  GST_WRITE_UINT32_BE (map.data + 4, seq * 160);
  GST_WRITE_UINT32_BE (map.data + 8, ssrc);
  for (i = 0; i < payload_len; i++)
    map.data[12 + i] = fill + i;
  gst_buffer_unmap (buf, &map);
  return buf;
}

GstBuffer *
pgsm_test_rtcp_rr_new (guint32 ssrc)
{
  guint8 rr[8] = { 0x80, 201, 0x00, 0x01 };

  GST_WRITE_UINT32_BE (rr + 4, ssrc);
  return gst_buffer_new_memdup (rr, sizeof (rr));
}

gboolean
pgsm_test_buffer_equals (GstBuffer * a, GstBuffer * b)
{
  GstMapInfo ma;
  gboolean eq;

  if (gst_buffer_get_size (a) != gst_buffer_get_size (b))
    return FALSE;
  gst_buffer_map (a, &ma, GST_MAP_READ);
  eq = gst_buffer_memcmp (b, 0, ma.data, ma.size) == 0;
  gst_buffer_unmap (a, &ma);
  return eq;
}

GstHarness *
pgsm_test_srtp_enc_harness (gboolean rtcp, const gchar * first_property, ...)
{
  GstElement *e = gst_element_factory_make ("pgsmsrtpenc", NULL);
  GstHarness *h;
  va_list args;

  g_assert (e != NULL);
  va_start (args, first_property);
  g_object_set_valist (G_OBJECT (e), first_property, args);
  va_end (args);
  h = gst_harness_new_with_element (e, rtcp ? "rtcp_sink_0" : "rtp_sink_0",
      rtcp ? "rtcp_src_0" : "rtp_src_0");
  gst_object_unref (e);
  return h;
}

void
pgsm_test_srtp_enc_harness_start (GstHarness * h, gboolean rtcp, guint32 ssrc)
{
  gchar *caps = rtcp ? g_strdup ("application/x-rtcp") :
      g_strdup_printf ("application/x-rtp,media=audio,clock-rate=8000,"
      "encoding-name=PCMU,payload=0,ssrc=(uint)%u", ssrc);

  gst_harness_play (h);
  gst_harness_set_src_caps_str (h, caps);
  g_free (caps);
}

GstHarness *
pgsm_test_srtp_dec_harness (gboolean rtcp)
{
  return rtcp ? gst_harness_new_with_padnames ("pgsmsrtpdec", "rtcp_sink",
      "rtcp_src") : gst_harness_new_with_padnames ("pgsmsrtpdec", "rtp_sink",
      "rtp_src");
}

void
pgsm_test_srtp_dec_harness_start (GstHarness * h, gboolean rtcp)
{
  gst_harness_play (h);
  gst_harness_set_src_caps_str (h, rtcp ? "application/x-srtcp" :
      "application/x-srtp,media=audio,clock-rate=8000,encoding-name=PCMU,"
      "payload=0");
}
