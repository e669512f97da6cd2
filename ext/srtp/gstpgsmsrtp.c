/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Helpers shared by pgsmsrtpenc and pgsmsrtpdec: keying (suite + master
 * keys) from properties, caps and RFC 4568 crypto attributes, libsrtp2
 * policies, per-SSRC counters. Nothing here logs: callers log lengths and
 * SSRCs only, never key bytes. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "gstpgsmsrtp.h"

const gchar *const gst_pgsm_srtp_caps_fields[] = {
  "srtp-key", "srtp-cipher", "srtp-auth", "srtcp-cipher", "srtcp-auth",
  "mki", "roc", NULL
};

/* Secrets: wiped before their memory goes back to the allocator */
static void
secret_free (gpointer data)
{
  /* gsize stored in front of the bytes */
  gsize *p = ((gsize *) data) - 1;
  volatile guint8 *b = (volatile guint8 *) data;
  gsize i;

  for (i = 0; i < *p; i++)
    b[i] = 0;
  g_free (p);
}

GBytes *
gst_pgsm_srtp_secret_new (gconstpointer data, gsize size)
{
  gsize *p = g_malloc (sizeof (gsize) + MAX (size, 1));

  *p = size;
  if (size)
    memcpy (p + 1, data, size);
  return g_bytes_new_with_free_func (p + 1, size, secret_free, p + 1);
}

GBytes *
gst_pgsm_srtp_secret_from_buffer (GstBuffer * buf)
{
  GstMapInfo map;
  GBytes *b;

  if (buf == NULL || !gst_buffer_map (buf, &map, GST_MAP_READ))
    return NULL;
  b = gst_pgsm_srtp_secret_new (map.data, map.size);
  gst_buffer_unmap (buf, &map);
  return b;
}

GstBuffer *
gst_pgsm_srtp_buffer_from_bytes (GBytes * bytes)
{
  gsize size;
  gconstpointer data;

  if (bytes == NULL)
    return NULL;
  data = g_bytes_get_data (bytes, &size);
  return gst_buffer_new_memdup (data, size);
}

void
gst_pgsm_srtp_keying_init (GstPgsmSrtpKeying * k)
{
  memset (k, 0, sizeof (*k));
  k->rtp_cipher = PGSM_SRTP_CIPHER_AES_128_ICM;
  k->rtcp_cipher = PGSM_SRTP_CIPHER_AES_128_ICM;
  k->rtp_auth = PGSM_SRTP_AUTH_HMAC_SHA1_80;
  k->rtcp_auth = PGSM_SRTP_AUTH_HMAC_SHA1_80;
}

void
gst_pgsm_srtp_keying_clear (GstPgsmSrtpKeying * k)
{
  guint i;

  for (i = 0; i < k->n_keys; i++) {
    g_clear_pointer (&k->keys[i].key, g_bytes_unref);
    g_clear_pointer (&k->keys[i].mki, g_bytes_unref);
  }
  k->n_keys = 0;
}

void
gst_pgsm_srtp_keying_copy (GstPgsmSrtpKeying * dst,
    const GstPgsmSrtpKeying * src)
{
  guint i;

  if (dst == src)
    return;
  gst_pgsm_srtp_keying_clear (dst);
  *dst = *src;
  for (i = 0; i < src->n_keys; i++) {
    if (src->keys[i].key)
      dst->keys[i].key = g_bytes_ref (src->keys[i].key);
    if (src->keys[i].mki)
      dst->keys[i].mki = g_bytes_ref (src->keys[i].mki);
  }
}

static gboolean
bytes_equal0 (GBytes * a, GBytes * b)
{
  if (a == b)
    return TRUE;
  if (a == NULL || b == NULL)
    return FALSE;
  return g_bytes_equal (a, b);
}

gboolean
gst_pgsm_srtp_keying_equal (const GstPgsmSrtpKeying * a,
    const GstPgsmSrtpKeying * b)
{
  guint i;

  if (a->rtp_cipher != b->rtp_cipher || a->rtp_auth != b->rtp_auth ||
      a->rtcp_cipher != b->rtcp_cipher || a->rtcp_auth != b->rtcp_auth ||
      a->n_keys != b->n_keys || a->lifetime != b->lifetime)
    return FALSE;
  for (i = 0; i < a->n_keys; i++)
    if (!bytes_equal0 (a->keys[i].key, b->keys[i].key) ||
        !bytes_equal0 (a->keys[i].mki, b->keys[i].mki))
      return FALSE;
  return TRUE;
}

static gboolean
cipher_is_aead (PgsmSrtpCipher c)
{
  return c == PGSM_SRTP_CIPHER_AES_128_GCM || c == PGSM_SRTP_CIPHER_AES_256_GCM;
}

/* An AEAD cipher authenticates itself: its auth setting is ignored */
static PgsmSrtpAuth
effective_auth (PgsmSrtpCipher c, PgsmSrtpAuth a)
{
  return cipher_is_aead (c) ? PGSM_SRTP_AUTH_NULL : a;
}

static gboolean
set_crypto_policy (srtp_crypto_policy_t * p, PgsmSrtpCipher cipher,
    PgsmSrtpAuth auth)
{
  auth = effective_auth (cipher, auth);

  switch (cipher) {
    case PGSM_SRTP_CIPHER_AES_128_ICM:
      if (auth == PGSM_SRTP_AUTH_HMAC_SHA1_80)
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80 (p);
      else if (auth == PGSM_SRTP_AUTH_HMAC_SHA1_32)
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32 (p);
      else
        srtp_crypto_policy_set_aes_cm_128_null_auth (p);
      return TRUE;
    case PGSM_SRTP_CIPHER_AES_256_ICM:
      if (auth == PGSM_SRTP_AUTH_HMAC_SHA1_80)
        srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80 (p);
      else if (auth == PGSM_SRTP_AUTH_HMAC_SHA1_32)
        srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32 (p);
      else
        srtp_crypto_policy_set_aes_cm_256_null_auth (p);
      return TRUE;
    case PGSM_SRTP_CIPHER_AES_128_GCM:
      srtp_crypto_policy_set_aes_gcm_128_16_auth (p);
      return TRUE;
    case PGSM_SRTP_CIPHER_AES_256_GCM:
      srtp_crypto_policy_set_aes_gcm_256_16_auth (p);
      return TRUE;
    case PGSM_SRTP_CIPHER_NULL:
      if (auth == PGSM_SRTP_AUTH_NULL) {
        srtp_crypto_policy_set_null_cipher_hmac_null (p);
      } else {
        srtp_crypto_policy_set_null_cipher_hmac_sha1_80 (p);
        if (auth == PGSM_SRTP_AUTH_HMAC_SHA1_32)
          p->auth_tag_len = 4;
      }
      return TRUE;
    default:
      return FALSE;
  }
}

/* Master key || salt length libsrtp2 reads for this keying: the larger of
 * the RTP and RTCP needs (as srtpenc documents its key property). 0 when
 * neither direction uses a key. */
guint
gst_pgsm_srtp_keying_key_length (const GstPgsmSrtpKeying * k)
{
  guint rtp = 0, rtcp = 0;

  if (k->rtp_cipher != PGSM_SRTP_CIPHER_NULL)
    rtp = pgsm_srtp_cipher_key_length (k->rtp_cipher) +
        pgsm_srtp_cipher_salt_length (k->rtp_cipher);
  else if (k->rtp_auth != PGSM_SRTP_AUTH_NULL)
    rtp = 30;
  if (k->rtcp_cipher != PGSM_SRTP_CIPHER_NULL)
    rtcp = pgsm_srtp_cipher_key_length (k->rtcp_cipher) +
        pgsm_srtp_cipher_salt_length (k->rtcp_cipher);
  else if (k->rtcp_auth != PGSM_SRTP_AUTH_NULL)
    rtcp = 30;
  return MAX (rtp, rtcp);
}

gboolean
gst_pgsm_srtp_keying_validate (const GstPgsmSrtpKeying * k, GError ** error)
{
  guint need = gst_pgsm_srtp_keying_key_length (k);
  gsize mki_len = 0;
  guint i;

  if (k->rtcp_cipher != PGSM_SRTP_CIPHER_NULL &&
      !cipher_is_aead (k->rtcp_cipher) && k->rtcp_auth == PGSM_SRTP_AUTH_NULL) {
    g_set_error (error, PGSM_CRYPTO_ERROR, PGSM_CRYPTO_ERROR_SYNTAX,
        "SRTCP authentication cannot be null with an encrypting, "
        "non-AEAD cipher");
    return FALSE;
  }
  if (need == 0)
    return TRUE;
  if (k->n_keys == 0) {
    g_set_error (error, PGSM_CRYPTO_ERROR, PGSM_CRYPTO_ERROR_MISSING_INLINE,
        "no master key set (key or crypto property, or srtp-key in caps)");
    return FALSE;
  }
  for (i = 0; i < k->n_keys; i++) {
    gsize len = k->keys[i].key ? g_bytes_get_size (k->keys[i].key) : 0;
    gsize ml = k->keys[i].mki ? g_bytes_get_size (k->keys[i].mki) : 0;

    if (len != need) {
      g_set_error (error, PGSM_CRYPTO_ERROR, PGSM_CRYPTO_ERROR_BAD_KEY_LENGTH,
          "master key %u is %" G_GSIZE_FORMAT " bytes, the ciphers need %u "
          "(key || salt)", i + 1, len, need);
      return FALSE;
    }
    if (ml > SRTP_MAX_MKI_LEN || (k->n_keys > 1 && ml == 0) ||
        (i > 0 && ml != mki_len)) {
      g_set_error (error, PGSM_CRYPTO_ERROR, PGSM_CRYPTO_ERROR_BAD_MKI,
          "MKI %u has %" G_GSIZE_FORMAT " bytes: several keys need MKIs of "
          "one length, at most %d bytes", i + 1, ml, SRTP_MAX_MKI_LEN);
      return FALSE;
    }
    mki_len = ml;
  }
  return TRUE;
}

gboolean
gst_pgsm_srtp_keying_from_crypto (GstPgsmSrtpKeying * k, const gchar * value,
    GError ** error)
{
  g_autoptr (PgsmCryptoAttribute) attr = NULL;
  const PgsmSrtpSuiteInfo *info;
  guint i, n;

  attr = pgsm_crypto_attribute_parse (value, error);
  if (attr == NULL)
    return FALSE;

  info = pgsm_srtp_suite_get_info (pgsm_crypto_attribute_get_suite (attr));
  if (info == NULL) {
    g_set_error (error, PGSM_CRYPTO_ERROR, PGSM_CRYPTO_ERROR_UNKNOWN_SUITE,
        "unknown crypto suite");
    return FALSE;
  }
  if (pgsm_crypto_attribute_get_kdr (attr) > 0) {
    g_set_error (error, PGSM_CRYPTO_ERROR, PGSM_CRYPTO_ERROR_BAD_SESSION_PARAM,
        "KDR=%d is not supported (libsrtp2 derives session keys once)",
        pgsm_crypto_attribute_get_kdr (attr));
    return FALSE;
  }
  n = pgsm_crypto_attribute_get_n_keys (attr);
  if (n == 0 || n > GST_PGSM_SRTP_MAX_KEYS) {
    g_set_error (error, PGSM_CRYPTO_ERROR, PGSM_CRYPTO_ERROR_MISSING_INLINE,
        "%u inline keys, 1 to %d supported", n, GST_PGSM_SRTP_MAX_KEYS);
    return FALSE;
  }

  gst_pgsm_srtp_keying_clear (k);
  k->rtp_cipher = info->cipher;
  k->rtcp_cipher = info->cipher;
  k->rtp_auth = info->rtp_auth;
  k->rtcp_auth = info->rtcp_auth;
  if (pgsm_crypto_attribute_get_unencrypted_srtp (attr))
    k->rtp_cipher = PGSM_SRTP_CIPHER_NULL;
  if (pgsm_crypto_attribute_get_unencrypted_srtcp (attr))
    k->rtcp_cipher = PGSM_SRTP_CIPHER_NULL;
  if (pgsm_crypto_attribute_get_unauthenticated_srtp (attr))
    k->rtp_auth = PGSM_SRTP_AUTH_NULL;
  k->window_size = pgsm_crypto_attribute_get_wsh (attr);
  k->lifetime = pgsm_crypto_attribute_get_lifetime (attr, 0);

  for (i = 0; i < n; i++) {
    GBytes *key = pgsm_crypto_attribute_get_key (attr, i);
    guint32 mki = 0;
    guint mki_len = 0;

    k->keys[i].key = gst_pgsm_srtp_secret_new (g_bytes_get_data (key, NULL),
        g_bytes_get_size (key));
    g_bytes_unref (key);
    if (pgsm_crypto_attribute_get_mki (attr, i, &mki, &mki_len) && mki_len) {
      guint8 buf[SRTP_MAX_MKI_LEN];
      guint j;

      memset (buf, 0, sizeof (buf));
      /* big-endian value right-aligned in mki_len bytes (RFC 4568 6.1) */
      for (j = 0; j < mki_len && j < 4; j++)
        buf[mki_len - 1 - j] = (mki >> (8 * j)) & 0xff;
      k->keys[i].mki = g_bytes_new (buf, mki_len);
    }
  }
  k->n_keys = n;

  return gst_pgsm_srtp_keying_validate (k, error);
}

static gint
enum_from_nick (GType type, const gchar * nick)
{
  GEnumClass *klass;
  GEnumValue *v;
  gint ret = -1;

  if (nick == NULL)
    return -1;
  klass = g_type_class_ref (type);
  v = g_enum_get_value_by_nick (klass, nick);
  if (v)
    ret = v->value;
  g_type_class_unref (klass);
  return ret;
}

static const gchar *
enum_to_nick (GType type, gint value)
{
  GEnumClass *klass = g_type_class_ref (type);
  GEnumValue *v = g_enum_get_value (klass, value);
  const gchar *nick = v ? v->value_nick : NULL;

  g_type_class_unref (klass);
  return nick;
}

/* Reads keying from application/x-srtp fields, as srtpdec does:
 * srtp-cipher, srtp-auth, srtcp-cipher, srtcp-auth, srtp-key, roc, mki,
 * then srtp-key2/mki2 ... srtp-key16/mki16. */
gboolean
gst_pgsm_srtp_keying_from_structure (GstPgsmSrtpKeying * k,
    const GstStructure * s, GError ** error)
{
  gint rc, ra, rcc, rca;
  GstBuffer *key = NULL, *mki = NULL;
  guint i;

  rc = enum_from_nick (PGSM_TYPE_SRTP_CIPHER,
      gst_structure_get_string (s, "srtp-cipher"));
  ra = enum_from_nick (PGSM_TYPE_SRTP_AUTH,
      gst_structure_get_string (s, "srtp-auth"));
  rcc = enum_from_nick (PGSM_TYPE_SRTP_CIPHER,
      gst_structure_get_string (s, "srtcp-cipher"));
  rca = enum_from_nick (PGSM_TYPE_SRTP_AUTH,
      gst_structure_get_string (s, "srtcp-auth"));
  if (rc < 0 || ra < 0 || rcc < 0 || rca < 0) {
    g_set_error (error, PGSM_CRYPTO_ERROR, PGSM_CRYPTO_ERROR_UNKNOWN_SUITE,
        "caps lack or misspell srtp-cipher, srtp-auth, srtcp-cipher or "
        "srtcp-auth");
    return FALSE;
  }

  gst_pgsm_srtp_keying_clear (k);
  k->rtp_cipher = rc;
  k->rtp_auth = ra;
  k->rtcp_cipher = rcc;
  k->rtcp_auth = rca;
  k->roc = 0;
  gst_structure_get_uint (s, "roc", &k->roc);

  for (i = 0; i < GST_PGSM_SRTP_MAX_KEYS; i++) {
    gchar kname[16], mname[16];

    if (i == 0) {
      g_strlcpy (kname, "srtp-key", sizeof (kname));
      g_strlcpy (mname, "mki", sizeof (mname));
    } else {
      g_snprintf (kname, sizeof (kname), "srtp-key%u", i + 1);
      g_snprintf (mname, sizeof (mname), "mki%u", i + 1);
    }
    key = mki = NULL;
    if (!gst_structure_get (s, kname, GST_TYPE_BUFFER, &key, NULL) || !key)
      break;
    if (i > 0 && (!gst_structure_get (s, mname, GST_TYPE_BUFFER, &mki, NULL)
            || !mki)) {
      gst_buffer_unref (key);
      break;
    }
    if (i == 0)
      gst_structure_get (s, mname, GST_TYPE_BUFFER, &mki, NULL);
    k->keys[i].key = gst_pgsm_srtp_secret_from_buffer (key);
    if (mki)
      k->keys[i].mki = gst_pgsm_srtp_secret_from_buffer (mki);
    k->n_keys = i + 1;
    gst_buffer_unref (key);
    if (mki)
      gst_buffer_unref (mki);
  }

  return gst_pgsm_srtp_keying_validate (k, error);
}

void
gst_pgsm_srtp_keying_to_structure (const GstPgsmSrtpKeying * k,
    GstStructure * s, gboolean with_keys)
{
  guint i;

  gst_structure_set (s,
      "srtp-cipher", G_TYPE_STRING,
      enum_to_nick (PGSM_TYPE_SRTP_CIPHER, k->rtp_cipher),
      "srtp-auth", G_TYPE_STRING, enum_to_nick (PGSM_TYPE_SRTP_AUTH,
          effective_auth (k->rtp_cipher, k->rtp_auth)),
      "srtcp-cipher", G_TYPE_STRING,
      enum_to_nick (PGSM_TYPE_SRTP_CIPHER, k->rtcp_cipher),
      "srtcp-auth", G_TYPE_STRING, enum_to_nick (PGSM_TYPE_SRTP_AUTH,
          effective_auth (k->rtcp_cipher, k->rtcp_auth)), NULL);

  for (i = 0; i < k->n_keys; i++) {
    gchar kname[16], mname[16];

    if (i == 0) {
      g_strlcpy (kname, "srtp-key", sizeof (kname));
      g_strlcpy (mname, "mki", sizeof (mname));
    } else {
      g_snprintf (kname, sizeof (kname), "srtp-key%u", i + 1);
      g_snprintf (mname, sizeof (mname), "mki%u", i + 1);
    }
    /* MKIs are identifiers, not secrets (they travel in every packet) */
    if (k->keys[i].mki) {
      GstBuffer *b = gst_pgsm_srtp_buffer_from_bytes (k->keys[i].mki);
      gst_structure_set (s, mname, GST_TYPE_BUFFER, b, NULL);
      gst_buffer_unref (b);
    }
    if (with_keys && k->keys[i].key) {
      GstBuffer *b = gst_pgsm_srtp_buffer_from_bytes (k->keys[i].key);
      gst_structure_set (s, kname, GST_TYPE_BUFFER, b, NULL);
      gst_buffer_unref (b);
    }
  }
}

/* Fills @p from @k. The policy points into @k's key bytes and into @p:
 * both must outlive the libsrtp call that uses it. */
gboolean
gst_pgsm_srtp_policy_fill (GstPgsmSrtpPolicy * p, const GstPgsmSrtpKeying * k,
    srtp_ssrc_type_t type, guint32 ssrc, guint window_size,
    gboolean allow_repeat_tx)
{
  guint i;

  memset (p, 0, sizeof (*p));
  if (!set_crypto_policy (&p->policy.rtp, k->rtp_cipher, k->rtp_auth) ||
      !set_crypto_policy (&p->policy.rtcp, k->rtcp_cipher, k->rtcp_auth))
    return FALSE;

  p->policy.ssrc.type = type;
  p->policy.ssrc.value = ssrc;
  p->policy.window_size = window_size;
  p->policy.allow_repeat_tx = allow_repeat_tx;

  if (k->n_keys == 0) {
    p->policy.key = p->zero_key;
  } else if (k->n_keys == 1 && k->keys[0].mki == NULL) {
    p->policy.key = (guchar *) g_bytes_get_data (k->keys[0].key, NULL);
  } else {
    for (i = 0; i < k->n_keys; i++) {
      p->master[i].key = (guchar *) g_bytes_get_data (k->keys[i].key, NULL);
      p->master[i].mki_id = (guchar *) g_bytes_get_data (k->keys[i].mki, NULL);
      p->master[i].mki_size = g_bytes_get_size (k->keys[i].mki);
      p->master_ptrs[i] = &p->master[i];
    }
    p->policy.keys = p->master_ptrs;
    p->policy.num_master_keys = k->n_keys;
  }
  return TRUE;
}

const gchar *
gst_pgsm_srtp_status_to_string (srtp_err_status_t status)
{
  switch (status) {
    case srtp_err_status_ok:
      return "ok";
    case srtp_err_status_fail:
      return "unspecified failure";
    case srtp_err_status_bad_param:
      return "bad parameter";
    case srtp_err_status_alloc_fail:
      return "allocation failure";
    case srtp_err_status_init_fail:
      return "initialisation failure";
    case srtp_err_status_auth_fail:
      return "authentication failure";
    case srtp_err_status_cipher_fail:
      return "cipher failure";
    case srtp_err_status_replay_fail:
      return "replayed packet";
    case srtp_err_status_replay_old:
      return "packet too old (outside the replay window)";
    case srtp_err_status_no_ctx:
      return "no context for this SSRC";
    case srtp_err_status_key_expired:
      return "master key expired";
    case srtp_err_status_parse_err:
      return "packet parse error";
    case srtp_err_status_bad_mki:
      return "unknown MKI";
    case srtp_err_status_pkt_idx_old:
      return "packet index too old";
    case srtp_err_status_pkt_idx_adv:
      return "packet index advanced too far";
    default:
      return "libsrtp2 error";
  }
}

void
gst_pgsm_srtp_stats_table_init (GstPgsmSrtpStatsTable * t)
{
  t->table = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  t->last = NULL;
}

void
gst_pgsm_srtp_stats_table_clear (GstPgsmSrtpStatsTable * t)
{
  t->last = NULL;
  g_clear_pointer (&t->table, g_hash_table_unref);
}

/* gst_pgsm_srtp_stats_table_get() past its cache: a hash lookup */
GstPgsmSrtpSsrcStats *
gst_pgsm_srtp_stats_table_get_slow (GstPgsmSrtpStatsTable * t, guint32 ssrc)
{
  GstPgsmSrtpSsrcStats *s;

  if (t->last && t->last->ssrc == ssrc)
    return t->last;
  if (t->table == NULL)
    gst_pgsm_srtp_stats_table_init (t);
  s = g_hash_table_lookup (t->table, GUINT_TO_POINTER (ssrc));
  if (s == NULL) {
    s = g_new0 (GstPgsmSrtpSsrcStats, 1);
    s->ssrc = ssrc;
    g_hash_table_insert (t->table, GUINT_TO_POINTER (ssrc), s);
  }
  t->last = s;
  return s;
}

/* gst_pgsm_srtp_stats_table_lookup() past its cache */
GstPgsmSrtpSsrcStats *
gst_pgsm_srtp_stats_table_lookup_slow (GstPgsmSrtpStatsTable * t, guint32 ssrc)
{
  GstPgsmSrtpSsrcStats *s;

  if (t->last && t->last->ssrc == ssrc)
    return t->last;
  if (t->table == NULL)
    return NULL;
  s = g_hash_table_lookup (t->table, GUINT_TO_POINTER (ssrc));
  if (s)
    t->last = s;
  return s;
}

guint
gst_pgsm_srtp_stats_table_size (GstPgsmSrtpStatsTable * t)
{
  return t->table ? g_hash_table_size (t->table) : 0;
}

void
gst_pgsm_srtp_stats_table_remove (GstPgsmSrtpStatsTable * t, guint32 ssrc)
{
  if (t->table == NULL)
    return;
  if (t->last && t->last->ssrc == ssrc)
    t->last = NULL;
  g_hash_table_remove (t->table, GUINT_TO_POINTER (ssrc));
}

#define set_memory_size gst_pgsm_srtp_memory_set_size

/* The recycling allocator. Its memories hold their bytes right after
 * the GstMemory, so the element can write a new memory through a plain
 * pointer before anyone else sees it (no map), and the memory's dispose
 * hook gives it back to the allocator's free list instead of freeing it,
 * as GstBufferPool does with buffers: after the first few packets, a
 * packet that needs a new memory costs no malloc, no free and no
 * gst_memory_init() (the allocator's GObject reference). It also hands
 * out whole buffers, each made once around one of its memories, that a
 * dispose hook of their own recycles in the same way (see
 * pool_buffer_dispose()). */
#define POOL_MEMORY_SIZE 1536   /* an Ethernet MTU of RTP plus its tag */
#define POOL_MAX_FREE 64

typedef struct
{
  GstMemory mem;
  guint8 *data;
} PoolMemory;

struct _GstPgsmSrtpAllocator
{
  GstAllocator parent;

  GMutex lock;
  GstMemory *free[POOL_MAX_FREE];       /* protected by lock */
  guint n_free;                 /* protected by lock */
  GstBuffer *free_bufs[POOL_MAX_FREE];  /* protected by lock */
  GstMemory *free_bufs_mem[POOL_MAX_FREE];      /* their memories; protected
                                                 * by lock */
  guint n_free_bufs;            /* protected by lock */
  gboolean flushing;            /* protected by lock */
};

G_DEFINE_TYPE (GstPgsmSrtpAllocator, gst_pgsm_srtp_allocator,
    GST_TYPE_ALLOCATOR);

static gboolean pool_memory_dispose (GstMiniObject * obj);

static PoolMemory *
pool_memory_new (GstAllocator * allocator, GstMemory * parent,
    guint8 * data, GstMemoryFlags flags, gsize maxsize, gsize offset,
    gsize size)
{
  PoolMemory *pm;

  if (parent == NULL) {
    pm = g_malloc (sizeof (PoolMemory) + maxsize);
    data = (guint8 *) (pm + 1);
  } else {
    pm = g_new (PoolMemory, 1);
  }
  pm->data = data;
  gst_memory_init (GST_MEMORY_CAST (pm), flags, allocator, parent, maxsize,
      0, offset, size);
  return pm;
}

static GstMemory *
pool_alloc (GstAllocator * allocator, gsize size, GstAllocationParams * params)
{
  /* only gst_pgsm_srtp_allocator_take() makes our memories; anyone else
   * asking this allocator gets system memory */
  return gst_allocator_alloc (NULL, size, params);
}

static void
pool_free (GstAllocator * allocator, GstMemory * mem)
{
  g_free (mem);
}

static gpointer
pool_mem_map (GstMemory * mem, gsize maxsize, GstMapFlags flags)
{
  return ((PoolMemory *) mem)->data;
}

static void
pool_mem_unmap (GstMemory * mem)
{
}

static GstMemory *
pool_mem_copy (GstMemory * mem, gssize offset, gssize size)
{
  GstMemory *copy;
  GstMapInfo map;

  if (size == -1)
    size = mem->size > (gsize) offset ? mem->size - offset : 0;
  copy = gst_allocator_alloc (NULL, size, NULL);
  if (copy && gst_memory_map (copy, &map, GST_MAP_WRITE)) {
    memcpy (map.data, ((PoolMemory *) mem)->data + mem->offset + offset, size);
    gst_memory_unmap (copy, &map);
  }
  return copy;
}

/* A read-only view of part of @mem, as the system allocator makes them */
static GstMemory *
pool_mem_share (GstMemory * mem, gssize offset, gssize size)
{
  GstMemory *parent = mem->parent ? mem->parent : mem;

  if (size == -1)
    size = mem->size - offset;
  return GST_MEMORY_CAST (pool_memory_new (mem->allocator, parent,
          ((PoolMemory *) mem)->data, GST_MINI_OBJECT_FLAGS (parent) |
          GST_MINI_OBJECT_FLAG_LOCK_READONLY, mem->maxsize,
          mem->offset + offset, size));
}

static gboolean
pool_mem_is_span (GstMemory * mem1, GstMemory * mem2, gsize * offset)
{
  return FALSE;
}

/* The dispose hook of the allocator's memories: back to the free list
 * unless the allocator is being dropped or the list is full */
static gboolean
pool_memory_dispose (GstMiniObject * obj)
{
  GstMemory *mem = GST_MEMORY_CAST (obj);
  GstPgsmSrtpAllocator *self = (GstPgsmSrtpAllocator *) mem->allocator;
  gboolean keep;

  if (G_UNLIKELY (mem->maxsize != POOL_MEMORY_SIZE))
    return TRUE;
  g_mutex_lock (&self->lock);
  keep = !self->flushing && self->n_free < POOL_MAX_FREE;
  if (keep) {
    /* resurrected with the list's reference */
    gst_memory_ref (mem);
    self->free[self->n_free++] = mem;
  }
  g_mutex_unlock (&self->lock);
  return !keep;
}

static void
gst_pgsm_srtp_allocator_finalize (GObject * object)
{
  GstPgsmSrtpAllocator *self = (GstPgsmSrtpAllocator *) object;

  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (gst_pgsm_srtp_allocator_parent_class)->finalize (object);
}

static void
gst_pgsm_srtp_allocator_class_init (GstPgsmSrtpAllocatorClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstAllocatorClass *allocator_class = GST_ALLOCATOR_CLASS (klass);

  gobject_class->finalize = gst_pgsm_srtp_allocator_finalize;
  allocator_class->alloc = pool_alloc;
  allocator_class->free = pool_free;
}

static void
gst_pgsm_srtp_allocator_init (GstPgsmSrtpAllocator * self)
{
  GstAllocator *allocator = GST_ALLOCATOR_CAST (self);

  g_mutex_init (&self->lock);
  allocator->mem_type = "PgsmSrtpMemory";
  allocator->mem_map = pool_mem_map;
  allocator->mem_unmap = pool_mem_unmap;
  allocator->mem_copy = pool_mem_copy;
  allocator->mem_share = pool_mem_share;
  allocator->mem_is_span = pool_mem_is_span;
  GST_OBJECT_FLAG_SET (self, GST_ALLOCATOR_FLAG_CUSTOM_ALLOC);
}

/* A new recycling allocator, one per element */
GstAllocator *
gst_pgsm_srtp_allocator_new (void)
{
  GstAllocator *a = g_object_new (GST_TYPE_PGSM_SRTP_ALLOCATOR, NULL);

  gst_object_ref_sink (a);
  return a;
}

/* Frees the free lists and stops recycling: buffers and memories still
 * out are freed when their last holder drops them (each memory holds a
 * reference to the allocator). Call when the element is disposed, then
 * unref @allocator. */
void
gst_pgsm_srtp_allocator_flush (GstAllocator * allocator)
{
  GstPgsmSrtpAllocator *self = (GstPgsmSrtpAllocator *) allocator;
  GstMemory *mems[POOL_MAX_FREE];
  GstBuffer *bufs[POOL_MAX_FREE];
  guint i, n, n_bufs;

  g_mutex_lock (&self->lock);
  self->flushing = TRUE;
  n = self->n_free;
  memcpy (mems, self->free, n * sizeof (GstMemory *));
  self->n_free = 0;
  n_bufs = self->n_free_bufs;
  memcpy (bufs, self->free_bufs, n_bufs * sizeof (GstBuffer *));
  self->n_free_bufs = 0;
  g_mutex_unlock (&self->lock);
  /* outside the lock: their dispose hooks take it */
  for (i = 0; i < n_bufs; i++)
    gst_buffer_unref (bufs[i]);
  for (i = 0; i < n; i++)
    gst_memory_unref (mems[i]);
}

/* A memory of @allocator, nobody else's, with room for @size bytes and
 * @size long. Up to POOL_MEMORY_SIZE it comes from the free list and goes
 * back there when dropped; a larger one is made for the packet and freed
 * with it. */
static inline GstMemory *
allocator_take (GstPgsmSrtpAllocator * self, gsize size)
{
  GstMemory *mem = NULL;

  if (G_LIKELY (size <= POOL_MEMORY_SIZE)) {
    g_mutex_lock (&self->lock);
    if (self->n_free > 0)
      mem = self->free[--self->n_free];
    g_mutex_unlock (&self->lock);
  }
  if (mem == NULL) {
    mem = GST_MEMORY_CAST (pool_memory_new (GST_ALLOCATOR_CAST (self), NULL,
            NULL, 0, MAX (size, POOL_MEMORY_SIZE), 0, size));
    mem->mini_object.dispose = pool_memory_dispose;
  }
  /* as new: whole, writable, no flag left by a previous holder */
  mem->offset = 0;
  set_memory_size (mem, size);
  GST_MINI_OBJECT_FLAGS (mem) &= GST_MINI_OBJECT_FLAG_LOCKABLE;
  return mem;
}

/* The dispose hook of the buffers the allocator hands out: a buffer
 * still as the allocator made it (one memory of ours that only it holds,
 * no metadata) goes back to the free list with its memory, as
 * GstBufferPool does, so the next packet that needs a copy costs no
 * buffer, no memory and no attaching of one to the other. Anything else
 * is freed as usual (and its memory, if ours, recycled on its own). */
static gboolean
pool_buffer_dispose (GstMiniObject * obj)
{
  GstBuffer *buf = GST_BUFFER_CAST (obj);
  GstPgsmSrtpAllocator *self;
  GstMemory *mem;
  gpointer state = NULL;
  gboolean keep;

  if (G_UNLIKELY (gst_buffer_n_memory (buf) != 1 ||
          GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_TAG_MEMORY) ||
          gst_buffer_iterate_meta (buf, &state) != NULL))
    return TRUE;
  mem = gst_buffer_peek_memory (buf, 0);
  if (G_UNLIKELY (mem->mini_object.dispose != pool_memory_dispose ||
          mem->parent != NULL || mem->maxsize != POOL_MEMORY_SIZE ||
          GST_MINI_OBJECT_REFCOUNT_VALUE (mem) != 1))
    return TRUE;

  self = (GstPgsmSrtpAllocator *) mem->allocator;
  g_mutex_lock (&self->lock);
  keep = !self->flushing && self->n_free_bufs < POOL_MAX_FREE;
  if (keep) {
    /* resurrected with the list's reference */
    gst_buffer_ref (buf);
    self->free_bufs_mem[self->n_free_bufs] = mem;
    self->free_bufs[self->n_free_bufs++] = buf;
  }
  g_mutex_unlock (&self->lock);
  return !keep;
}

/* A buffer of @allocator with one memory (*@memory) of @size bytes (room
 * for @size too), no metadata, no flags, no timestamps. *@data points to
 * its bytes: until the buffer leaves the caller nobody else can see them,
 * so they are written directly, without a map. */
static GstBuffer *
allocator_take_buffer (GstPgsmSrtpAllocator * self, gsize size,
    GstMemory ** memory, guint8 ** data)
{
  GstBuffer *buf = NULL;
  GstMemory *mem = NULL;

  if (G_LIKELY (size <= POOL_MEMORY_SIZE)) {
    g_mutex_lock (&self->lock);
    if (self->n_free_bufs > 0) {
      buf = self->free_bufs[--self->n_free_bufs];
      mem = self->free_bufs_mem[self->n_free_bufs];
    }
    g_mutex_unlock (&self->lock);
  }
  if (G_LIKELY (buf != NULL)) {
    mem->offset = 0;
    set_memory_size (mem, size);
    GST_MINI_OBJECT_FLAGS (mem) &= GST_MINI_OBJECT_FLAG_LOCKABLE;
    GST_MINI_OBJECT_FLAGS (buf) = 0;
    GST_BUFFER_PTS (buf) = GST_BUFFER_DTS (buf) = GST_CLOCK_TIME_NONE;
    GST_BUFFER_DURATION (buf) = GST_CLOCK_TIME_NONE;
    GST_BUFFER_OFFSET (buf) = GST_BUFFER_OFFSET_END (buf) =
        GST_BUFFER_OFFSET_NONE;
  } else {
    mem = allocator_take (self, size);
    buf = gst_buffer_new ();
    gst_buffer_append_memory (buf, mem);
    /* the memory is the one the buffer was made with */
    GST_BUFFER_FLAG_UNSET (buf, GST_BUFFER_FLAG_TAG_MEMORY);
    GST_MINI_OBJECT_CAST (buf)->dispose = pool_buffer_dispose;
  }
  *memory = mem;
  *data = ((PoolMemory *) mem)->data;
  return buf;
}

/* Copies the packet of @buf (@size bytes) to @dest, which must hold @size
 * bytes. @mem is the buffer's memory when it has only one, else NULL. */
static inline gboolean
copy_packet_bytes (GstBuffer * buf, GstMemory * mem, guint8 * dest, gsize size)
{
  GstMapInfo map;
  gsize done = 0, n_copy;
  guint i, n;

  if (G_LIKELY (mem != NULL)) {
    if (G_UNLIKELY (!gst_memory_map (mem, &map, GST_MAP_READ)))
      return FALSE;
    memcpy (dest, map.data, MIN (size, map.size));
    gst_memory_unmap (mem, &map);
    return TRUE;
  }
  /* several memories (RTP payloaders append the payload's memory to the
   * header's): each mapped in turn, which costs half of what
   * gst_buffer_extract() does with its extra references and checks */
  n = gst_buffer_n_memory (buf);
  for (i = 0; i < n && done < size; i++) {
    mem = gst_buffer_peek_memory (buf, i);
    if (G_UNLIKELY (!gst_memory_map (mem, &map, GST_MAP_READ)))
      return gst_buffer_extract (buf, 0, dest, size) == size;
    n_copy = MIN (size - done, map.size);
    memcpy (dest + done, map.data, n_copy);
    done += n_copy;
    gst_memory_unmap (mem, &map);
  }
  return done == size;
}

/* gst_pgsm_srtp_packet_map() into a new buffer of @self */
static gboolean
map_new_buffer (GstPgsmSrtpPacket * p, GstBuffer * buf, GstMemory * mem,
    gsize size, gsize room, GstPgsmSrtpAllocator * self)
{
  gpointer state = NULL;

  p->copy = allocator_take_buffer (self, room, &p->mem, &p->data);
  if (G_UNLIKELY (!copy_packet_bytes (buf, mem, p->data, size))) {
    gst_buffer_unref (p->copy);
    return FALSE;
  }
  /* what gst_buffer_copy_into (METADATA) does, without its checks and
   * locks, and the metadata walk only when there is metadata */
  GST_MINI_OBJECT_FLAGS (p->copy) = GST_MINI_OBJECT_FLAGS (buf) &
      ~GST_BUFFER_FLAG_TAG_MEMORY;
  GST_BUFFER_PTS (p->copy) = GST_BUFFER_PTS (buf);
  GST_BUFFER_DTS (p->copy) = GST_BUFFER_DTS (buf);
  GST_BUFFER_DURATION (p->copy) = GST_BUFFER_DURATION (buf);
  GST_BUFFER_OFFSET (p->copy) = GST_BUFFER_OFFSET (buf);
  GST_BUFFER_OFFSET_END (p->copy) = GST_BUFFER_OFFSET_END (buf);
  if (G_UNLIKELY (gst_buffer_iterate_meta (buf, &state) != NULL))
    gst_buffer_copy_into (p->copy, buf, GST_BUFFER_COPY_META, 0, -1);
  return TRUE;
}

/* The slow path of gst_pgsm_srtp_packet_map() (gstpgsmsrtp.h): the packet
 * cannot be mapped in place and is copied. @mem is the buffer's memory
 * when it has only one, else NULL. */
gboolean
gst_pgsm_srtp_packet_map_copy (GstPgsmSrtpPacket * p, GstBuffer * buf,
    GstMemory * mem, gsize size, gsize room, GstAllocator * allocator,
    gboolean new_buffer)
{
  p->buf = buf;
  p->fresh = FALSE;
  if (allocator && new_buffer)
    return map_new_buffer (p, buf, mem, size, room,
        (GstPgsmSrtpAllocator *) allocator);

  p->copy = NULL;
  if (allocator) {
    /* ours alone until unmap puts it in the buffer: written directly */
    p->mem = allocator_take ((GstPgsmSrtpAllocator *) allocator, room);
    p->fresh = TRUE;
    p->data = ((PoolMemory *) p->mem)->data;
  } else {
    p->mem = gst_allocator_alloc (NULL, room, NULL);
    if (p->mem == NULL)
      return FALSE;
    if (!gst_memory_map (p->mem, &p->map, GST_MAP_READWRITE)) {
      gst_memory_unref (p->mem);
      return FALSE;
    }
    p->data = p->map.data;
  }
  if (G_UNLIKELY (!copy_packet_bytes (buf, mem, p->data, size))) {
    if (!p->fresh)
      gst_memory_unmap (p->mem, &p->map);
    gst_memory_unref (p->mem);
    return FALSE;
  }
  if (!p->fresh)
    gst_buffer_replace_all_memory (buf, p->mem);
  return TRUE;
}

/* The slow path of gst_pgsm_srtp_packet_unmap() (gstpgsmsrtp.h), for a
 * packet mapped in a copy */
void
gst_pgsm_srtp_packet_unmap_copy (GstPgsmSrtpPacket * p, gsize size,
    gboolean done)
{
  if (p->copy) {
    if (G_LIKELY (done)) {
      set_memory_size (p->mem, size);
    } else {
      gst_buffer_unref (p->copy);
      p->copy = NULL;
    }
    return;
  }
  if (p->fresh) {
    if (G_LIKELY (done)) {
      set_memory_size (p->mem, size);
      gst_buffer_replace_all_memory (p->buf, p->mem);
    } else {
      gst_memory_unref (p->mem);
    }
    return;
  }
  gst_memory_unmap (p->mem, &p->map);
  set_memory_size (p->mem, size);
}

/* Copy of @caps renamed to @name without any SRTP keying field */
GstCaps *
gst_pgsm_srtp_caps_strip (GstCaps * caps, const gchar * name)
{
  GstCaps *out = gst_caps_copy (caps);
  guint i, j;

  for (i = 0; i < gst_caps_get_size (out); i++) {
    GstStructure *s = gst_caps_get_structure (out, i);

    gst_structure_set_name (s, name);
    for (j = 0; gst_pgsm_srtp_caps_fields[j]; j++)
      gst_structure_remove_field (s, gst_pgsm_srtp_caps_fields[j]);
    for (j = 2; j <= GST_PGSM_SRTP_MAX_KEYS; j++) {
      gchar f[16];

      g_snprintf (f, sizeof (f), "srtp-key%u", j);
      gst_structure_remove_field (s, f);
      g_snprintf (f, sizeof (f), "mki%u", j);
      gst_structure_remove_field (s, f);
    }
  }
  return out;
}
