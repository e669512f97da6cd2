/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/*
 * media-floor: a benchmark program (not a test). It prints figures.
 *
 * The least CPU the media of N concurrent G.711 calls can cost on this
 * machine, with no GStreamer at all: what every design has to do and
 * nothing else. Both legs of every call are in the process, as in
 * sip-calls. Each leg owns a UDP socket on 127.0.0.1 and every 20 ms sends
 * its peer leg one RTP packet (12-byte header + 160 bytes of payload)
 * protected with libsrtp2, and receives and unprotects the one its peer
 * sent. No codec, no jitter buffer, no RTCP, no copy beyond the socket
 * calls, no per-packet allocation.
 *
 * The work is spread over T sending threads and T receiving threads (the
 * legs split between them): a sending thread wakes every 20 ms on an
 * absolute clock and sends for all its legs; a receiving thread waits on
 * its own epoll set and drains every ready socket. So the packets of many
 * calls share one thread wake-up, the best case for thread switches.
 *
 * Per level (number of calls): 1 s to settle, then the measured window:
 * process CPU time (getrusage: user + system) per wall second, 100 % being
 * one core; packets received and authenticated against 50 per leg and
 * second; voluntary + involuntary context switches per second.
 *
 *   media-floor [--calls 50,100,200] [--threads 1] [--seconds 5]
 *               [--suite aes-cm-80|gcm-128|none]
 *
 * docs/performance.md ("SIP calls", "Concurrent calls") has the figures
 * and what they say about sip-calls.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <glib.h>
#include <srtp2/srtp.h>

#define PACKET_TIME_NS 20000000
#define PAYLOAD_BYTES 160
#define RTP_HEADER_BYTES 12
#define MAX_THREADS 16

typedef enum
{
  SUITE_AES_CM_80,
  SUITE_GCM_128,
  SUITE_NONE
} Suite;

typedef struct
{
  int fd;
  struct sockaddr_in peer;
  srtp_t tx;                    /* protects what this leg sends */
  srtp_t rx;                    /* unprotects what its peer sends */
  guint16 seq;
  guint32 timestamp;
  guint32 ssrc;
} Leg;

typedef struct
{
  Leg *legs;
  guint n_legs;
  guint n_threads;
  Suite suite;
  volatile gint stop;
  gint received;                /* atomic */
  gint failed;                  /* atomic */
  int epoll_fds[MAX_THREADS];
} Floor;

typedef struct
{
  Floor *floor;
  guint index;
} Worker;

static void
timespec_add_ns (struct timespec *t, long ns)
{
  t->tv_nsec += ns;
  while (t->tv_nsec >= 1000000000) {
    t->tv_nsec -= 1000000000;
    t->tv_sec++;
  }
}

static void
put_be16 (guint8 * p, guint16 v)
{
  p[0] = v >> 8;
  p[1] = v;
}

static void
put_be32 (guint8 * p, guint32 v)
{
  put_be16 (p, v >> 16);
  put_be16 (p + 2, v);
}

static gpointer
send_thread (gpointer data)
{
  Worker *w = data;
  Floor *f = w->floor;
  guint8 packet[RTP_HEADER_BYTES + PAYLOAD_BYTES + SRTP_MAX_TRAILER_LEN];
  struct timespec next;
  guint i;

  clock_gettime (CLOCK_MONOTONIC, &next);
  while (!g_atomic_int_get (&f->stop)) {
    timespec_add_ns (&next, PACKET_TIME_NS);
    clock_nanosleep (CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
    for (i = w->index; i < f->n_legs; i += f->n_threads) {
      Leg *leg = &f->legs[i];
      int len = RTP_HEADER_BYTES + PAYLOAD_BYTES;

      packet[0] = 0x80;
      packet[1] = 0;            /* PCMU */
      put_be16 (packet + 2, leg->seq++);
      put_be32 (packet + 4, leg->timestamp);
      leg->timestamp += PAYLOAD_BYTES;
      put_be32 (packet + 8, leg->ssrc);
      memset (packet + RTP_HEADER_BYTES, 0xff, PAYLOAD_BYTES);
      if (f->suite != SUITE_NONE &&
          srtp_protect (leg->tx, packet, &len) != srtp_err_status_ok)
        g_error ("srtp_protect failed");
      if (sendto (leg->fd, packet, len, 0, (struct sockaddr *) &leg->peer,
              sizeof leg->peer) < 0 && errno != EAGAIN)
        g_error ("sendto: %s", g_strerror (errno));
    }
  }
  return NULL;
}

static gpointer
receive_thread (gpointer data)
{
  Worker *w = data;
  Floor *f = w->floor;
  struct epoll_event events[64];
  guint8 packet[2048];

  while (!g_atomic_int_get (&f->stop)) {
    int n = epoll_wait (f->epoll_fds[w->index], events, G_N_ELEMENTS (events),
        100);
    int k;

    for (k = 0; k < n; k++) {
      Leg *leg = events[k].data.ptr;
      int len;

      while ((len = recv (leg->fd, packet, sizeof packet, MSG_DONTWAIT)) > 0) {
        if (f->suite == SUITE_NONE ||
            srtp_unprotect (leg->rx, packet, &len) == srtp_err_status_ok)
          g_atomic_int_inc (&f->received);
        else
          g_atomic_int_inc (&f->failed);
      }
    }
  }
  return NULL;
}

static void
set_policy (srtp_policy_t * policy, Suite suite, guint8 * key)
{
  memset (policy, 0, sizeof *policy);
  if (suite == SUITE_GCM_128) {
    srtp_crypto_policy_set_aes_gcm_128_16_auth (&policy->rtp);
    srtp_crypto_policy_set_aes_gcm_128_16_auth (&policy->rtcp);
  } else {
    srtp_crypto_policy_set_rtp_default (&policy->rtp);
    srtp_crypto_policy_set_rtcp_default (&policy->rtcp);
  }
  policy->key = key;
  policy->window_size = 128;
}

/* Makes the legs of n_calls calls: leg 2k and leg 2k+1 send to each other,
 * each direction with its own key */
static void
floor_open (Floor * f, guint n_calls)
{
  guint i, j;

  f->n_legs = 2 * n_calls;
  f->legs = g_new0 (Leg, f->n_legs);
  for (i = 0; i < f->n_threads; i++) {
    f->epoll_fds[i] = epoll_create1 (EPOLL_CLOEXEC);
    if (f->epoll_fds[i] < 0)
      g_error ("epoll_create1: %s", g_strerror (errno));
  }
  for (i = 0; i < f->n_legs; i++) {
    Leg *leg = &f->legs[i];
    struct sockaddr_in addr = { 0 };
    socklen_t addr_len = sizeof addr;
    struct epoll_event ev = { 0 };

    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    leg->fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (leg->fd < 0 || bind (leg->fd, (struct sockaddr *) &addr,
            sizeof addr) < 0 || getsockname (leg->fd,
            (struct sockaddr *) &addr, &addr_len) < 0)
      g_error ("socket: %s", g_strerror (errno));
    leg->peer = addr;           /* swapped with the peer's below */
    leg->ssrc = g_random_int ();
    leg->seq = g_random_int_range (0, 0x8000);
    leg->timestamp = g_random_int ();
    ev.events = EPOLLIN;
    ev.data.ptr = leg;
    if (epoll_ctl (f->epoll_fds[i % f->n_threads], EPOLL_CTL_ADD, leg->fd,
            &ev) < 0)
      g_error ("epoll_ctl: %s", g_strerror (errno));
  }
  for (i = 0; i < f->n_legs; i += 2) {
    Leg *a = &f->legs[i], *b = &f->legs[i + 1];
    struct sockaddr_in tmp = a->peer;

    a->peer = b->peer;
    b->peer = tmp;
    if (f->suite == SUITE_NONE)
      continue;
    /* a -> b with key_ab, b -> a with key_ba */
    for (j = 0; j < 2; j++) {
      Leg *from = j == 0 ? a : b, *to = j == 0 ? b : a;
      guint8 key[SRTP_MAX_KEY_LEN];
      srtp_policy_t policy;
      guint k;

      for (k = 0; k < sizeof key; k++)
        key[k] = g_random_int_range (0, 256);
      set_policy (&policy, f->suite, key);
      policy.ssrc.type = ssrc_any_outbound;
      if (srtp_create (&from->tx, &policy) != srtp_err_status_ok)
        g_error ("srtp_create (outbound) failed");
      set_policy (&policy, f->suite, key);
      policy.ssrc.type = ssrc_any_inbound;
      if (srtp_create (&to->rx, &policy) != srtp_err_status_ok)
        g_error ("srtp_create (inbound) failed");
    }
  }
}

static void
floor_close (Floor * f)
{
  guint i;

  for (i = 0; i < f->n_legs; i++) {
    close (f->legs[i].fd);
    if (f->legs[i].tx != NULL)
      srtp_dealloc (f->legs[i].tx);
    if (f->legs[i].rx != NULL)
      srtp_dealloc (f->legs[i].rx);
  }
  for (i = 0; i < f->n_threads; i++)
    close (f->epoll_fds[i]);
  g_clear_pointer (&f->legs, g_free);
}

typedef struct
{
  gint64 wall_us;
  double cpu_s;
  long switches;
  gint received;
} Sample;

static void
sample_take (Floor * f, Sample * s)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  s->wall_us = g_get_monotonic_time ();
  s->cpu_s = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
      ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
  s->switches = ru.ru_nvcsw + ru.ru_nivcsw;
  s->received = g_atomic_int_get (&f->received);
}

/* Runs one level and prints its line */
static void
run_level (Floor * f, guint n_calls, guint seconds)
{
  GThread *threads[2 * MAX_THREADS];
  Worker workers[MAX_THREADS];
  Sample a, b;
  double wall_s, cpu_pct, got;
  guint i;

  floor_open (f, n_calls);
  g_atomic_int_set (&f->stop, 0);
  g_atomic_int_set (&f->received, 0);
  g_atomic_int_set (&f->failed, 0);
  for (i = 0; i < f->n_threads; i++) {
    workers[i].floor = f;
    workers[i].index = i;
    threads[2 * i] = g_thread_new ("floor-send", send_thread, &workers[i]);
    threads[2 * i + 1] = g_thread_new ("floor-recv", receive_thread,
        &workers[i]);
  }
  g_usleep (G_USEC_PER_SEC);
  sample_take (f, &a);
  g_usleep (seconds * G_USEC_PER_SEC);
  sample_take (f, &b);
  g_atomic_int_set (&f->stop, 1);
  for (i = 0; i < 2 * f->n_threads; i++)
    g_thread_join (threads[i]);

  wall_s = (b.wall_us - a.wall_us) / 1e6;
  cpu_pct = 100.0 * (b.cpu_s - a.cpu_s) / wall_s;
  got = (b.received - a.received) / (f->n_legs * 50.0 * wall_s);
  g_print ("%6u %8.1f %9.3f %10.2f %12.0f %8d\n", n_calls, cpu_pct,
      cpu_pct / n_calls, 100.0 * got, (b.switches - a.switches) / wall_s,
      g_atomic_int_get (&f->failed));
  floor_close (f);
}

int
main (int argc, char **argv)
{
  g_autofree gchar *opt_calls = NULL, *opt_suite = NULL;
  gint opt_threads = 1, opt_seconds = 5;
  GOptionEntry entries[] = {
    {"calls", 0, 0, G_OPTION_ARG_STRING, &opt_calls,
        "Comma-separated numbers of calls (default: 50,100,200)", "LIST"},
    {"threads", 't', 0, G_OPTION_ARG_INT, &opt_threads,
        "Sending threads, and as many receiving threads (default: 1)", "N"},
    {"seconds", 's', 0, G_OPTION_ARG_INT, &opt_seconds,
        "Seconds measured per level (default: 5)", "S"},
    {"suite", 0, 0, G_OPTION_ARG_STRING, &opt_suite,
        "aes-cm-80 (AES_CM_128_HMAC_SHA1_80, default), gcm-128 "
          "(AEAD_AES_128_GCM) or none (clear RTP)", "SUITE"},
    {NULL}
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- the least CPU "
      "the media of N SRTP calls cost here");
  g_autoptr (GError) err = NULL;
  g_auto (GStrv) levels = NULL;
  g_autoptr (GArray) calls = g_array_new (FALSE, FALSE, sizeof (guint));
  Floor f = { 0 };
  guint i;
  struct rlimit lim;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &err)) {
    g_printerr ("%s\n", err->message);
    return 2;
  }
  if (opt_threads < 1 || opt_threads > MAX_THREADS || opt_seconds < 1) {
    g_printerr ("--threads must be 1..%d and --seconds at least 1\n",
        MAX_THREADS);
    return 2;
  }
  f.n_threads = opt_threads;
  if (opt_suite == NULL || g_str_equal (opt_suite, "aes-cm-80"))
    f.suite = SUITE_AES_CM_80;
  else if (g_str_equal (opt_suite, "gcm-128"))
    f.suite = SUITE_GCM_128;
  else if (g_str_equal (opt_suite, "none"))
    f.suite = SUITE_NONE;
  else {
    g_printerr ("unknown --suite %s\n", opt_suite);
    return 2;
  }
  levels = g_strsplit (opt_calls ? opt_calls : "50,100,200", ",", -1);
  for (i = 0; levels[i] != NULL; i++) {
    guint64 n;
    guint n_calls;

    if (!g_ascii_string_to_unsigned (levels[i], 10, 1, 100000, &n, &err)) {
      g_printerr ("--calls: %s\n", err->message);
      return 2;
    }
    n_calls = n;
    g_array_append_val (calls, n_calls);
  }
  /* two sockets per call */
  if (getrlimit (RLIMIT_NOFILE, &lim) == 0) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit (RLIMIT_NOFILE, &lim);
  }
  if (srtp_init () != srtp_err_status_ok) {
    g_printerr ("srtp_init failed\n");
    return 1;
  }

  g_print ("== media floor: %s, %d sending + %d receiving threads, "
      "%d s per level, both legs of every call in this process ==\n",
      opt_suite ? opt_suite : "aes-cm-80", opt_threads, opt_threads,
      opt_seconds);
  g_print (" calls    cpu_%% cpu/call%% received_%% switches/s auth_fail\n");
  for (i = 0; i < calls->len; i++)
    run_level (&f, g_array_index (calls, guint, i), opt_seconds);
  srtp_shutdown ();
  return 0;
}
