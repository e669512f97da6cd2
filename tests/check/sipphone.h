/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* A test phone: audiotestsrc (a live tone) ! pgsmsipbin ! appsink (S16LE,
 * 8 kHz, mono, sync=false) whose samples are kept, for the suites that
 * call with pgsmsipbin on loopback (tests/check/elements/pgsmsipbin.c,
 * pgsmsipauth.c, pgsmsiphostile.c, examples/site-gateway/). It waits for
 * the bin's `pgsm-call` messages with a bound, emits the bin's actions and
 * measures the tone it hears. Every failure is a gst-check failure of the
 * running test.
 *
 * Typical use (in a suite with the pgsm_test_phone_pki fixture):
 *
 *   PgsmTestPhone *alice = pgsm_test_phone_new (NULL, 440.0, 0.5);
 *   pgsm_test_phone_set_tls (alice, NULL);
 *   g_object_set (alice->bin, "remote-uri", uri, NULL);
 *   pgsm_test_phone_start (alice);
 *   gst_message_unref (pgsm_test_phone_wait (alice, "secured"));
 *   pgsm_test_phone_assert_tone (alice, 0, 1000.0, 8000, 14000);
 *   pgsm_test_phone_action (alice, "hangup", alice->call_id);
 *   gst_message_unref (pgsm_test_phone_wait (alice, "ended"));
 *   pgsm_test_phone_free (alice);
 *
 * The waits pop the phone's bus: each message they do not return is
 * dropped. WARNINGs are counted in ->warnings on the way. A suite with
 * its own kind of peer (tests/interop/interop.c's InteropPhone, for one)
 * builds on it with ->failure_note (which peer died, its log), ->wait_s
 * (its own bound) and pgsm_test_phone_wait_full() (NULL at the bound).
 *
 * Not thread-safe, but for ->samples (under ->lock, filled by the
 * streaming thread): use a phone from the test's thread.
 */

#ifndef __PGSM_TEST_SIPPHONE_H__
#define __PGSM_TEST_SIPPHONE_H__

#include <gio/gio.h>
#include <gst/gst.h>
#include <gst/check/gstcheck.h>
#include "pki.h"

G_BEGIN_DECLS
/* The bound of a phone's waits (seconds), its ->wait_s at the start */
#define PGSM_TEST_PHONE_WAIT_S 20
/* The rate of the samples a phone keeps */
#define PGSM_TEST_PHONE_RATE 8000
typedef struct _PgsmTestPhone PgsmTestPhone;

/* Extra text for a failure message of @phone (newly allocated, or NULL),
 * e.g. which peer process is no longer running; it may also print logs */
typedef gchar *(*PgsmTestPhoneNoteFunc) (PgsmTestPhone * phone, gpointer data);

struct _PgsmTestPhone
{
  GstElement *pipeline;         /* NULL for pgsm_test_phone_new_rx() */
  GstElement *src;              /* the audiotestsrc (NULL for _rx) */
  GstElement *bin;              /* the pgsmsipbin (NULL for _rx) */
  GstElement *sink;             /* the appsink (a reference of ours) */
  GstBus *bus;                  /* the pipeline's (NULL for _rx) */
  gchar *name;                  /* for messages: the pipeline's name */

  GMutex lock;                  /* of ->samples */
  GArray *samples;              /* gint16 received, since the start */

  guint wait_s;                 /* the bound of the waits, seconds:
                                 * PGSM_TEST_PHONE_WAIT_S unless changed */
  gchar *call_id;               /* of the last `pgsm-call` a wait returned */
  guint warnings;               /* WARNING messages seen by the waits */
  gchar *last_warning;          /* the last one: "message: debug" */
  /* A `pgsm-call` state that fails every wait that sees it (NULL: none),
   * e.g. "secured" where a peer must never get a call secured */
  const gchar *never_state;
  PgsmTestPhoneNoteFunc failure_note;   /* NULL: none */
  gpointer failure_note_data;
};

/* ---- the suite's PKI ---------------------------------------------------- */

/* The test PKI (pki.h) of the running test: made in a new temporary
 * directory by pgsm_test_phone_pki_setup(), freed with its files by
 * pgsm_test_phone_pki_teardown(); use both as a gst-check fixture
 * (tcase_add_checked_fixture or tcase_add_unchecked_fixture) */
extern PgsmTestPki *pgsm_test_phone_pki;
void pgsm_test_phone_pki_setup (void);
void pgsm_test_phone_pki_teardown (void);

/* Adds to @s the test case "general" of a suite of phones: a 120 s
 * timeout, and pgsm_test_phone_pki made for each test in its own process
 * (@checked: tcase_add_checked_fixture) or once for the whole suite */
TCase *pgsm_test_phone_tcase_new (Suite * s, gboolean checked);

/* ---- a phone ------------------------------------------------------------ */

/* audiotestsrc (live, @freq Hz, @volume, 160 samples a buffer) !
 * pgsmsipbin ! appsink, in a pipeline named @name (NULL: GStreamer's
 * name). The pipeline stays in NULL for the test to set the bin up. */
PgsmTestPhone *pgsm_test_phone_new (const gchar * name, gdouble freq,
    gdouble volume);

/* An appsink alone (->sink, S16LE 8 kHz mono, sync=false) keeping its
 * samples as a phone does; no pipeline, bin or bus: the test adds ->sink
 * to a pipeline of its own (an extra slot of a multi-call bin). The
 * sample functions below work on it. */
PgsmTestPhone *pgsm_test_phone_new_rx (void);

/* Sets the pipeline to NULL, which must succeed (not for _rx), and frees
 * the phone */
void pgsm_test_phone_free (PgsmTestPhone * phone);

/* SIP over TLS on 127.0.0.1, port chosen by the system, trusting
 * pgsm_test_phone_pki's root: listen-uri sips:127.0.0.1:0 and ca-file;
 * with @cert also cert-file and key-file (a phone that is called) */
void pgsm_test_phone_set_tls (PgsmTestPhone * phone, const PgsmTestCert * cert);

/* Sets the pipeline to PLAYING; a FAILURE fails the test */
void pgsm_test_phone_start (PgsmTestPhone * phone);

/* The bin's bound-port (0 when it does not listen) */
guint pgsm_test_phone_bound_port (PgsmTestPhone * phone);

/* ---- waiting for the bin's messages -------------------------------------- */

typedef enum
{
  /* an ERROR is returned (else it fails the test, or goes to @error) */
  PGSM_TEST_PHONE_WAIT_ERROR_OK = 1 << 0,
  /* NULL is returned at the bound (else it fails the test) */
  PGSM_TEST_PHONE_WAIT_NULL_AT_BOUND = 1 << 1,
} PgsmTestPhoneWaitFlags;

/* Pops the bus until a `pgsm-call` message whose `state` is @state (NULL:
 * none), which is returned (to be unreffed) after its `call-id` went to
 * ->call_id; at most @seconds. An ERROR: see the flags; without
 * PGSM_TEST_PHONE_WAIT_ERROR_OK and with @error, the first ERROR is kept in
 * *@error (when NULL) and the wait goes on. ->never_state fails the test. */
GstMessage *pgsm_test_phone_wait_full (PgsmTestPhone * phone,
    const gchar * state, guint seconds, PgsmTestPhoneWaitFlags flags,
    GstMessage ** error);

/* The `pgsm-call` message with @state within ->wait_s; an ERROR or the
 * bound fails the test */
GstMessage *pgsm_test_phone_wait (PgsmTestPhone * phone, const gchar * state);

/* The same, but an ERROR that comes first is returned */
GstMessage *pgsm_test_phone_wait_or_error (PgsmTestPhone * phone,
    const gchar * state);

/* The next ERROR within ->wait_s (returned, to be unreffed); none fails
 * the test */
GstMessage *pgsm_test_phone_wait_error (PgsmTestPhone * phone);

/* The structure of a `pgsm-call` message, or NULL for any other message;
 * @state (when not NULL) gets its state */
const GstStructure *pgsm_test_phone_call_info (GstMessage * msg,
    const gchar ** state);

/* The call-id of a `pgsm-call` message (newly allocated), which it unrefs */
gchar *pgsm_test_phone_take_call_id (GstMessage * msg);

/* A string field of @msg's structure (NULL when absent) */
const gchar *pgsm_test_phone_msg_string (GstMessage * msg, const gchar * field);

/* A guint field of @msg's structure (G_MAXUINT when absent) */
guint pgsm_test_phone_msg_uint (GstMessage * msg, const gchar * field);

/* ---- the bin's actions --------------------------------------------------- */

/* Emits the action @action (hangup, hold, resume, rekey, answer) for
 * @call_id; returns whether the bin took it */
gboolean pgsm_test_phone_try_action (PgsmTestPhone * phone,
    const gchar * action, const gchar * call_id);

/* The same; a refusal fails the test */
void pgsm_test_phone_action (PgsmTestPhone * phone, const gchar * action,
    const gchar * call_id);

/* Emits `call` for @uri: the new call-id (to be freed); a refusal fails
 * the test */
gchar *pgsm_test_phone_call (PgsmTestPhone * phone, const gchar * uri);

/* ---- what a phone hears -------------------------------------------------- */

/* How many samples @phone received so far */
guint pgsm_test_phone_n_samples (PgsmTestPhone * phone);

/* Waits until @phone received @n samples in all; fails the test when it
 * has not within ->wait_s */
void pgsm_test_phone_wait_samples (PgsmTestPhone * phone, guint n);

/* Frequency (from the zero crossings) and RMS of @n samples at @rate */
void pgsm_test_phone_measure (const gint16 * s, gsize n, guint rate,
    gdouble * freq, gdouble * rms);

/* pgsm_test_phone_measure() of the last @n samples @phone received (it
 * must have received them) */
void pgsm_test_phone_analyse (PgsmTestPhone * phone, guint n,
    gdouble * freq, gdouble * rms);

/* Amplitude of the tone @freq in the last second @phone received
 * (Goertzel); a 0.5-volume tone alone has ~16000 */
gdouble pgsm_test_phone_tone_level (PgsmTestPhone * phone, gdouble freq);

/* Asserts that @phone hears a tone of @want Hz (within 5 %) with an RMS
 * strictly between @rms_min and @rms_max: waits until it received
 * @since + 12000 samples (0.5 s to settle: jitter buffer, resampler), then
 * measures the last 8000 (1 s). @since 0: since the start; from now:
 * pgsm_test_phone_n_samples(). Returns the frequency measured. A 0.5-volume
 * sine has an RMS of ~11585, which G.711 keeps within a few %. */
gdouble pgsm_test_phone_assert_tone (PgsmTestPhone * phone, guint since,
    gdouble want, gdouble rms_min, gdouble rms_max);

/* ---- a peer's media port ------------------------------------------------ */

/* A non-blocking UDP socket on 127.0.0.1, port chosen by the system (in
 * @port): the RTP port of a peer that is not a phone (sipp) */
GSocket *pgsm_test_phone_media_socket (guint * port);

G_END_DECLS
#endif /* __PGSM_TEST_SIPPHONE_H__ */
