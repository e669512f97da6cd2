/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#ifndef __GST_PGSM_SRTP_H__
#define __GST_PGSM_SRTP_H__

#include <gst/gst.h>
#include <gst/pgsm/pgsm.h>
#include <srtp2/srtp.h>

G_BEGIN_DECLS
#define GST_PGSM_SRTP_MAX_KEYS SRTP_MAX_NUM_MASTER_KEYS
/* Fields of application/x-srtp caps that carry keying material or
 * parameters; stripped from every caps we forward. */
extern const gchar *const gst_pgsm_srtp_caps_fields[];

/* One master key (key || salt) with its optional MKI. Both are GBytes
 * whose memory is wiped when freed. */
typedef struct
{
  GBytes *key;
  GBytes *mki;
} GstPgsmSrtpMasterKey;

/* Everything needed to build a libsrtp2 policy. */
typedef struct
{
  PgsmSrtpCipher rtp_cipher;
  PgsmSrtpAuth rtp_auth;
  PgsmSrtpCipher rtcp_cipher;
  PgsmSrtpAuth rtcp_auth;
  GstPgsmSrtpMasterKey keys[GST_PGSM_SRTP_MAX_KEYS];
  guint n_keys;
  guint64 lifetime;             /* packets per master key, 0 = no limit */
  guint window_size;            /* 0 = caller's default */
  guint32 roc;
} GstPgsmSrtpKeying;

/* Per-SSRC counters, shared by the encoder and the decoder. */
typedef struct
{
  guint32 ssrc;
  guint64 packets;
  guint64 bytes;
  guint64 rtcp_packets;
  guint64 rtcp_bytes;
  guint64 auth_failures;
  guint64 replays;
  guint64 malformed;
  guint64 no_key;
  /* warning rate limiting (decoder) */
  gint64 last_warning_us;
  gboolean warning_pending;
  /* key lifetime accounting */
  guint64 key_packets;
  gboolean soft_limit_signalled;
  gboolean hard_limit_reached;
  /* decoder: stream keyed from caps (own libsrtp stream) or not */
  gboolean has_own_keying;
  gboolean own_use_mki;
  guint64 own_lifetime;
  gint64 last_request_us;
} GstPgsmSrtpSsrcStats;

/* A table of GstPgsmSrtpSsrcStats with a one-entry cache, so that a
 * stream of packets from the same SSRC costs no hash lookup. */
typedef struct
{
  GHashTable *table;
  GstPgsmSrtpSsrcStats *last;
} GstPgsmSrtpStatsTable;

GBytes *gst_pgsm_srtp_secret_new (gconstpointer data, gsize size);
GBytes *gst_pgsm_srtp_secret_from_buffer (GstBuffer * buf);
GstBuffer *gst_pgsm_srtp_buffer_from_bytes (GBytes * bytes);

void gst_pgsm_srtp_keying_init (GstPgsmSrtpKeying * k);
void gst_pgsm_srtp_keying_clear (GstPgsmSrtpKeying * k);
void gst_pgsm_srtp_keying_copy (GstPgsmSrtpKeying * dst,
    const GstPgsmSrtpKeying * src);
gboolean gst_pgsm_srtp_keying_equal (const GstPgsmSrtpKeying * a,
    const GstPgsmSrtpKeying * b);
gboolean gst_pgsm_srtp_keying_from_crypto (GstPgsmSrtpKeying * k,
    const gchar * value, GError ** error);
gboolean gst_pgsm_srtp_keying_from_structure (GstPgsmSrtpKeying * k,
    const GstStructure * s, GError ** error);
void gst_pgsm_srtp_keying_to_structure (const GstPgsmSrtpKeying * k,
    GstStructure * s, gboolean with_keys);
guint gst_pgsm_srtp_keying_key_length (const GstPgsmSrtpKeying * k);
gboolean gst_pgsm_srtp_keying_validate (const GstPgsmSrtpKeying * k,
    GError ** error);

typedef struct
{
  srtp_policy_t policy;
  srtp_master_key_t master[GST_PGSM_SRTP_MAX_KEYS];
  srtp_master_key_t *master_ptrs[GST_PGSM_SRTP_MAX_KEYS];
  guint8 zero_key[SRTP_MAX_KEY_LEN];
} GstPgsmSrtpPolicy;

gboolean gst_pgsm_srtp_policy_fill (GstPgsmSrtpPolicy * p,
    const GstPgsmSrtpKeying * k, srtp_ssrc_type_t type, guint32 ssrc,
    guint window_size, gboolean allow_repeat_tx);

const gchar *gst_pgsm_srtp_status_to_string (srtp_err_status_t status);

void gst_pgsm_srtp_stats_table_init (GstPgsmSrtpStatsTable * t);
void gst_pgsm_srtp_stats_table_clear (GstPgsmSrtpStatsTable * t);
GstPgsmSrtpSsrcStats *gst_pgsm_srtp_stats_table_lookup_slow
    (GstPgsmSrtpStatsTable * t, guint32 ssrc);
guint gst_pgsm_srtp_stats_table_size (GstPgsmSrtpStatsTable * t);
GstPgsmSrtpSsrcStats *gst_pgsm_srtp_stats_table_get_slow
    (GstPgsmSrtpStatsTable * t, guint32 ssrc);
void gst_pgsm_srtp_stats_table_remove (GstPgsmSrtpStatsTable * t, guint32 ssrc);

/* Returns the entry of @ssrc, created when missing. The one-entry cache,
 * inlined, makes packets of an unchanged SSRC cost one compare. */
static inline GstPgsmSrtpSsrcStats *
gst_pgsm_srtp_stats_table_get (GstPgsmSrtpStatsTable * t, guint32 ssrc)
{
  if (G_LIKELY (t->last && t->last->ssrc == ssrc))
    return t->last;
  return gst_pgsm_srtp_stats_table_get_slow (t, ssrc);
}

/* Like gst_pgsm_srtp_stats_table_get() without creating: NULL when @ssrc
 * has no entry yet. */
static inline GstPgsmSrtpSsrcStats *
gst_pgsm_srtp_stats_table_lookup (GstPgsmSrtpStatsTable * t, guint32 ssrc)
{
  if (G_LIKELY (t->last && t->last->ssrc == ssrc))
    return t->last;
  return gst_pgsm_srtp_stats_table_lookup_slow (t, ssrc);
}

/* Reads the SSRC of an RTP (@is_rtcp FALSE) or RTCP packet of version 2 */
static inline gboolean
gst_pgsm_srtp_read_ssrc (const guint8 * data, gsize size, gboolean is_rtcp,
    guint32 * ssrc)
{
  gsize off = is_rtcp ? 4 : 8;

  if (G_UNLIKELY (size < off + 4 || (data[0] >> 6) != 2))
    return FALSE;
  *ssrc = GST_READ_UINT32_BE (data + off);
  return TRUE;
}

GstCaps *gst_pgsm_srtp_caps_strip (GstCaps * caps, const gchar * name);

/* TRUE when nobody but the caller can see @buf: the caller holds its own
 * reference (a chain function's buffer) or owns the writable list that
 * holds it. Then a reference count of 1 is enough, because every parent
 * (a list, a sample) holds a reference of its own; it saves
 * gst_buffer_is_writable() walking the parents under their locks. */
#define GST_PGSM_SRTP_BUFFER_IS_OURS(buf) \
    (GST_MINI_OBJECT_REFCOUNT_VALUE (buf) == 1)

/* Hands out buffers, and the memories in them, that recycle themselves:
 * the encoder's output for a packet that cannot be protected in its own
 * memory (see gst_pgsm_srtp_packet_map()) */
#define GST_TYPE_PGSM_SRTP_ALLOCATOR (gst_pgsm_srtp_allocator_get_type ())
G_DECLARE_FINAL_TYPE (GstPgsmSrtpAllocator, gst_pgsm_srtp_allocator, GST,
    PGSM_SRTP_ALLOCATOR, GstAllocator);

GstAllocator *gst_pgsm_srtp_allocator_new (void);
void gst_pgsm_srtp_allocator_flush (GstAllocator * allocator);

/* One packet mapped for protecting or decrypting */
typedef struct
{
  GstBuffer *buf;
  GstMemory *mem;               /* buf's, or the new one (fresh or copy) */
  GstMapInfo map;               /* of mem, unless fresh or copy */
  guint8 *data;
  gboolean fresh;               /* mem is new: in no buffer yet */
  GstBuffer *copy;              /* a copy of buf to send in its place */
} GstPgsmSrtpPacket;

gboolean gst_pgsm_srtp_packet_map_copy (GstPgsmSrtpPacket * p,
    GstBuffer * buf, GstMemory * mem, gsize size, gsize room,
    GstAllocator * allocator, gboolean new_buffer);
void gst_pgsm_srtp_packet_unmap_copy (GstPgsmSrtpPacket * p, gsize size,
    gboolean done);

/* Sets the size of @mem, which only its one buffer (or nobody yet) holds
 * and which we checked writable: what gst_memory_resize (mem, 0, size)
 * does (GstMemory has no resize hook), without re-checking the
 * writability of the memory, its buffer and the buffer's list under their
 * locks once per call. The bytes after the new size are no longer zero. */
static inline void
gst_pgsm_srtp_memory_set_size (GstMemory * mem, gsize size)
{
  mem->size = size;
  GST_MEMORY_FLAG_UNSET (mem, GST_MEMORY_FLAG_ZERO_PADDED);
}

/* Maps the @size bytes of packet @buf for reading and writing, with
 * @room (>= @size) bytes available from p->data.
 *
 * When @buf is ours (GST_PGSM_SRTP_BUFFER_IS_OURS()) and its single
 * memory is held by nobody else, is writable and has the room, the packet
 * is mapped in place (inline here: the path of every packet that allows
 * it). Otherwise it is copied (gst_pgsm_srtp_packet_map_copy()):
 * - with @allocator and @new_buffer, into p->copy, a buffer of @allocator
 *   that recycles itself, with @buf's metadata: the caller sends it in
 *   place of @buf (which need not be ours). Cheaper than the next way when
 *   the caller can drop @buf: releasing a whole buffer costs less than
 *   swapping memories, and the copy costs next to nothing to release;
 * - otherwise into a new memory (from @allocator, recycled, or from the
 *   system allocator when @allocator is NULL) that
 *   gst_pgsm_srtp_packet_unmap() puts in place of the buffer's memory, so
 *   that the buffer, its metadata and its place in a list stay as they
 *   are; @buf must be ours.
 * Returns FALSE when nothing could be mapped. */
static inline gboolean
gst_pgsm_srtp_packet_map (GstPgsmSrtpPacket * p, GstBuffer * buf,
    gsize size, gsize room, GstAllocator * allocator, gboolean new_buffer)
{
  GstMemory *mem = NULL;

  if (G_LIKELY (gst_buffer_n_memory (buf) == 1)) {
    mem = gst_buffer_peek_memory (buf, 0);
    /* a buffer holds no reference of its own to its memory beyond the one
     * it took: a count of 1 means no other buffer shares it (and a mapping
     * for writing elsewhere makes gst_memory_map() fail) */
    if (G_LIKELY (GST_PGSM_SRTP_BUFFER_IS_OURS (buf) &&
            GST_MINI_OBJECT_REFCOUNT_VALUE (mem) == 1 &&
            !GST_MEMORY_IS_READONLY (mem) &&
            mem->maxsize - mem->offset >= room)) {
      gsize old = mem->size;

      gst_pgsm_srtp_memory_set_size (mem, room);
      if (G_LIKELY (gst_memory_map (mem, &p->map, GST_MAP_READWRITE))) {
        p->buf = buf;
        p->mem = mem;
        p->data = p->map.data;
        p->fresh = FALSE;
        p->copy = NULL;
        return TRUE;
      }
      gst_pgsm_srtp_memory_set_size (mem, old);
    }
  }
  return gst_pgsm_srtp_packet_map_copy (p, buf, mem, size, room, allocator,
      new_buffer);
}

/* Ends what gst_pgsm_srtp_packet_map() began and leaves @size bytes in
 * the packet: the protected or decrypted packet when @done, else (the
 * packet is dropped) the packet as it came, and p->copy, if any, given
 * back to its allocator */
static inline void
gst_pgsm_srtp_packet_unmap (GstPgsmSrtpPacket * p, gsize size, gboolean done)
{
  if (G_LIKELY (p->copy == NULL && !p->fresh)) {
    gst_memory_unmap (p->mem, &p->map);
    gst_pgsm_srtp_memory_set_size (p->mem, size);
    return;
  }
  gst_pgsm_srtp_packet_unmap_copy (p, size, done);
}

G_END_DECLS
#endif /* __GST_PGSM_SRTP_H__ */
