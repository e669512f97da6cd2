/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Call routing of the site gateway (docs/site-gateway.md).
 *
 * Every call is a leg on one side: the outside pgsmsipbin (TLS + SRTP) or
 * the inside one (clear). An incoming leg is routed on the number it
 * dialled (the user part of its Request-URI):
 *   - a user or a phone: the gateway calls it on its side and answers the
 *     caller once that call is up, then bridges the two (two routes);
 *   - a room: the caller is answered at once and joins the room's mix,
 *     after entering the room's PIN by DTMF if it has one; the first
 *     member makes the gateway call the room's `dial` numbers in;
 *   - anything else: 404.
 * When a leg ends, its peer is hung up (or refused with the same status
 * if it was still ringing) and it leaves its room. Everything runs in the
 * GMainContext given to pgsm_gateway_new(), from the pipeline's bus. */

#include "gateway.h"
#include "gateway-mix.h"

#include <stdio.h>
#include <string.h>

#define MAX_SLOTS 16
#define PIN_TRIES 3

typedef enum
{
  SIDE_OUTSIDE = 0,
  SIDE_INSIDE,
  N_SIDES
} SideId;

static const gchar *const side_names[N_SIDES] = { "outside", "inside" };

typedef struct _Leg Leg;
typedef struct _Room Room;

typedef struct
{
  GstElement *bin;
  PgsmGatewayPort *ports[MAX_SLOTS];
  guint n_ports;
} Side;

struct _Leg
{
  SideId side;
  gchar *call_id;
  guint slot;                   /* valid once @up */
  gboolean incoming;
  gboolean answered;            /* incoming: `answer` was emitted */
  gboolean up;                  /* its media run (`secured`/`clear`) */
  Leg *peer;                    /* the other half of a bridge */
  Room *room;                   /* the room it is in or dialled into */
  gboolean admitted;            /* in the room's mix */
  GString *digits;              /* PIN typed so far */
  guint pin_failures;
};

struct _Room
{
  const PgsmGatewayTarget *target;
  GPtrArray *members;           /* Leg*, admitted, not owned */
  gboolean dialled;             /* its dial list was called */
};

/* @from's voice in @to's mix */
typedef struct
{
  Leg *from;
  Leg *to;
  PgsmGatewayRoute *route;
} Link;

struct _PgsmGateway
{
  PgsmGatewayConfig *config;
  GMainContext *context;
  PgsmGatewayLogFunc log;
  gpointer log_data;
  GstElement *pipeline;
  Side sides[N_SIDES];
  GPtrArray *legs;              /* Leg*, owned */
  GHashTable *rooms;            /* number -> Room* */
  GPtrArray *links;             /* Link* */
  GSource *bus_source;
  gchar *error;
};

static void leg_gone (PgsmGateway * gw, Leg * leg, guint status,
    const gchar * reason);

static void
gw_log (PgsmGateway * gw, const gchar * format, ...)
G_GNUC_PRINTF (2, 3);

     static void gw_log (PgsmGateway * gw, const gchar * format, ...)
{
  va_list args;
  gchar *line;

  va_start (args, format);
  line = g_strdup_vprintf (format, args);
  va_end (args);
  if (gw->log != NULL)
    gw->log (line, gw->log_data);
  g_free (line);
}

/* ---- legs -------------------------------------------------------------- */

static Leg *
leg_new (PgsmGateway * gw, SideId side, const gchar * call_id,
    gboolean incoming)
{
  Leg *leg = g_new0 (Leg, 1);

  leg->side = side;
  leg->call_id = g_strdup (call_id);
  leg->incoming = incoming;
  g_ptr_array_add (gw->legs, leg);
  return leg;
}

static void
leg_free (Leg * leg)
{
  g_free (leg->call_id);
  if (leg->digits != NULL)
    g_string_free (leg->digits, TRUE);
  g_free (leg);
}

static Leg *
find_leg (PgsmGateway * gw, SideId side, const gchar * call_id)
{
  guint i;

  for (i = 0; i < gw->legs->len; i++) {
    Leg *leg = g_ptr_array_index (gw->legs, i);

    if (leg->side == side && g_strcmp0 (leg->call_id, call_id) == 0)
      return leg;
  }
  return NULL;
}

static GstElement *
bin_of (PgsmGateway * gw, Leg * leg)
{
  return gw->sides[leg->side].bin;
}

static gboolean
leg_answer (PgsmGateway * gw, Leg * leg)
{
  gboolean ok = FALSE;

  g_signal_emit_by_name (bin_of (gw, leg), "answer", leg->call_id, &ok);
  leg->answered = ok;
  return ok;
}

/* Ends @leg from our side: refused with @status while it rings, else BYE */
static void
leg_drop (PgsmGateway * gw, Leg * leg, guint status)
{
  gboolean ok = FALSE;

  if (leg->incoming && !leg->answered)
    g_signal_emit_by_name (bin_of (gw, leg), "reject", leg->call_id,
        status >= 400 && status <= 699 ? status : 480, &ok);
  else
    g_signal_emit_by_name (bin_of (gw, leg), "hangup", leg->call_id, &ok);
}

/* Calls @target on its side; NULL when that side has no free slot */
static Leg *
leg_call (PgsmGateway * gw, const PgsmGatewayTarget * target)
{
  SideId side = target->kind == PGSM_GATEWAY_TARGET_USER ?
      SIDE_OUTSIDE : SIDE_INSIDE;
  gchar *call_id = NULL;
  Leg *leg;

  g_signal_emit_by_name (gw->sides[side].bin, "call", target->uri, &call_id);
  if (call_id == NULL)
    return NULL;
  leg = leg_new (gw, side, call_id, FALSE);
  g_free (call_id);
  return leg;
}

/* ---- mixing ------------------------------------------------------------ */

static void
link_legs (PgsmGateway * gw, Leg * from, Leg * to)
{
  Link *link = g_new0 (Link, 1);

  link->from = from;
  link->to = to;
  link->route = pgsm_gateway_route_new (gw->sides[from->side].ports
      [from->slot], gw->sides[to->side].ports[to->slot]);
  g_ptr_array_add (gw->links, link);
}

static void
unlink_leg (PgsmGateway * gw, Leg * leg)
{
  guint i = 0;

  while (i < gw->links->len) {
    Link *link = g_ptr_array_index (gw->links, i);

    if (link->from == leg || link->to == leg) {
      pgsm_gateway_route_free (link->route);
      g_free (link);
      g_ptr_array_remove_index_fast (gw->links, i);
    } else {
      i++;
    }
  }
}

/* ---- rooms ------------------------------------------------------------- */

static Room *
room_get (PgsmGateway * gw, const PgsmGatewayTarget * target)
{
  Room *room = g_hash_table_lookup (gw->rooms, target->number);

  if (room == NULL) {
    room = g_new0 (Room, 1);
    room->target = target;
    room->members = g_ptr_array_new ();
    g_hash_table_insert (gw->rooms, target->number, room);
  }
  return room;
}

static void
room_free (Room * room)
{
  g_ptr_array_unref (room->members);
  g_free (room);
}

/* The room's first member calls its dial list in (3-way calling) */
static void
room_dial (PgsmGateway * gw, Room * room)
{
  guint i;

  room->dialled = TRUE;
  for (i = 0; room->target->dial[i] != NULL; i++) {
    const PgsmGatewayTarget *t =
        pgsm_gateway_config_lookup (gw->config, room->target->dial[i]);
    Leg *leg = t ? leg_call (gw, t) : NULL;

    if (leg == NULL) {
      gw_log (gw, "room %s: could not call %s", room->target->number,
          room->target->dial[i]);
      continue;
    }
    leg->room = room;
    gw_log (gw, "room %s: calling %s (%s) in", room->target->number, t->number,
        t->uri);
  }
}

static void
room_admit (PgsmGateway * gw, Leg * leg)
{
  Room *room = leg->room;
  guint i;

  for (i = 0; i < room->members->len; i++) {
    Leg *m = g_ptr_array_index (room->members, i);

    link_legs (gw, m, leg);
    link_legs (gw, leg, m);
  }
  g_ptr_array_add (room->members, leg);
  leg->admitted = TRUE;
  gw_log (gw, "room %s: %s call %s joined (%u in the room)",
      room->target->number, side_names[leg->side], leg->call_id,
      room->members->len);
  if (room->members->len == 1 && room->target->dial != NULL && !room->dialled)
    room_dial (gw, room);
}

static void
room_leave (PgsmGateway * gw, Leg * leg)
{
  Room *room = leg->room;

  leg->room = NULL;
  if (!leg->admitted)
    return;
  leg->admitted = FALSE;
  g_ptr_array_remove (room->members, leg);
  gw_log (gw, "room %s: %s call %s left (%u in the room)",
      room->target->number, side_names[leg->side], leg->call_id,
      room->members->len);
  if (room->members->len == 0)
    room->dialled = FALSE;
}

/* A DTMF digit from a leg that waits at a room's door */
static void
room_digit (PgsmGateway * gw, Leg * leg, const gchar * digit)
{
  const gchar *pin = leg->room->target->pin;

  if (leg->admitted || leg->digits == NULL)
    return;
  /* '#' on nothing typed (after a refused entry, say) means nothing */
  if (g_strcmp0 (digit, "#") == 0 && leg->digits->len == 0)
    return;
  if (g_strcmp0 (digit, "#") != 0)
    g_string_append (leg->digits, digit);
  if (g_strcmp0 (leg->digits->str, pin) == 0) {
    g_string_free (g_steal_pointer (&leg->digits), TRUE);
    room_admit (gw, leg);
    return;
  }
  /* '#' ends a wrong entry; so does one longer than the PIN */
  if (g_strcmp0 (digit, "#") != 0 && leg->digits->len < strlen (pin))
    return;
  g_string_truncate (leg->digits, 0);
  leg->pin_failures++;
  gw_log (gw, "room %s: wrong PIN from %s call %s (%u of %d)",
      leg->room->target->number, side_names[leg->side], leg->call_id,
      leg->pin_failures, PIN_TRIES);
  if (leg->pin_failures >= PIN_TRIES)
    leg_drop (gw, leg, 403);
}

/* ---- call events ------------------------------------------------------- */

static void
on_incoming (PgsmGateway * gw, SideId side, const gchar * call_id,
    const gchar * from, const gchar * request_uri)
{
  gchar *number = pgsm_gateway_number_of_uri (request_uri);
  const PgsmGatewayTarget *target =
      pgsm_gateway_config_lookup (gw->config, number);
  Leg *leg = leg_new (gw, side, call_id, TRUE);

  if (target == NULL) {
    gw_log (gw, "%s call %s from %s to %s: no such number, 404",
        side_names[side], call_id, from, number ? number : "(none)");
    leg_drop (gw, leg, 404);
    g_ptr_array_remove (gw->legs, leg); /* frees it */
    goto out;
  }
  if (target->kind == PGSM_GATEWAY_TARGET_ROOM) {
    leg->room = room_get (gw, target);
    gw_log (gw, "%s call %s from %s to room %s", side_names[side], call_id,
        from, number);
    if (!leg_answer (gw, leg))
      leg_drop (gw, leg, 500);
    goto out;
  }
  leg->peer = leg_call (gw, target);
  if (leg->peer == NULL) {
    gw_log (gw, "%s call %s from %s to %s: no free line, 503",
        side_names[side], call_id, from, number);
    leg_drop (gw, leg, 503);
    goto out;
  }
  leg->peer->peer = leg;
  gw_log (gw, "%s call %s from %s to %s: calling %s (%s call %s, %s)",
      side_names[side], call_id, from, number, target->uri,
      side_names[leg->peer->side], leg->peer->call_id,
      leg->peer->side == SIDE_OUTSIDE ? "secure" : "clear");

out:
  g_free (number);
}

static void
on_media_up (PgsmGateway * gw, Leg * leg, guint slot)
{
  if (leg->up)
    return;                     /* again after a re-INVITE */
  if (slot >= gw->sides[leg->side].n_ports) {
    gw_log (gw, "%s call %s: slot %u has no port", side_names[leg->side],
        leg->call_id, slot);
    leg_drop (gw, leg, 500);
    return;
  }
  leg->up = TRUE;
  leg->slot = slot;
  if (leg->room != NULL) {
    if (leg->room->target->pin != NULL && leg->incoming) {
      leg->digits = g_string_new (NULL);
      gw_log (gw, "room %s: %s call %s waits for the PIN",
          leg->room->target->number, side_names[leg->side], leg->call_id);
    } else {
      room_admit (gw, leg);
    }
    return;
  }
  if (leg->peer == NULL)
    return;
  /* the called side is up: now the caller gets its 200 */
  if (!leg->incoming && leg->peer->incoming && !leg->peer->answered
      && !leg_answer (gw, leg->peer)) {
    leg_drop (gw, leg, 0);
    return;
  }
  if (leg->peer->up) {
    link_legs (gw, leg, leg->peer);
    link_legs (gw, leg->peer, leg);
    gw_log (gw, "bridged %s call %s and %s call %s",
        side_names[leg->peer->side], leg->peer->call_id,
        side_names[leg->side], leg->call_id);
  }
}

static void
leg_gone (PgsmGateway * gw, Leg * leg, guint status, const gchar * reason)
{
  Leg *peer = leg->peer;

  gw_log (gw, "%s call %s ended (%u %s)", side_names[leg->side], leg->call_id,
      status, reason ? reason : "");
  unlink_leg (gw, leg);
  if (peer != NULL) {
    peer->peer = NULL;
    leg->peer = NULL;
    leg_drop (gw, peer, status);
  }
  if (leg->room != NULL)
    room_leave (gw, leg);
  g_ptr_array_remove (gw->legs, leg);   /* frees it */
}

static void
on_call_message (PgsmGateway * gw, SideId side, const GstStructure * s)
{
  const gchar *state = gst_structure_get_string (s, "state");
  const gchar *call_id = gst_structure_get_string (s, "call-id");
  Leg *leg;

  if (state == NULL || call_id == NULL)
    return;
  if (g_str_equal (state, "incoming")) {
    on_incoming (gw, side, call_id, gst_structure_get_string (s,
            "remote-uri"), gst_structure_get_string (s, "request-uri"));
    return;
  }
  leg = find_leg (gw, side, call_id);
  if (leg == NULL)
    return;
  if (g_str_equal (state, "secured") || g_str_equal (state, "clear")) {
    guint slot = 0;

    gst_structure_get_uint (s, "slot", &slot);
    on_media_up (gw, leg, slot);
  } else if (g_str_equal (state, "ended") || g_str_equal (state, "failed")) {
    guint status = 0;

    gst_structure_get_uint (s, "status", &status);
    leg_gone (gw, leg, status, gst_structure_get_string (s, "reason"));
  }
}

static gboolean
bus_cb (GstBus * bus, GstMessage * msg, PgsmGateway * gw)
{
  const GstStructure *s = gst_message_get_structure (msg);
  SideId side;

  for (side = 0; side < N_SIDES; side++)
    if (GST_MESSAGE_SRC (msg) == GST_OBJECT (gw->sides[side].bin))
      break;
  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_ELEMENT:
      if (side == N_SIDES || s == NULL)
        break;
      if (gst_structure_has_name (s, "pgsm-call")) {
        on_call_message (gw, side, s);
      } else if (gst_structure_has_name (s, "pgsm-dtmf")) {
        Leg *leg = find_leg (gw, side, gst_structure_get_string (s,
                "call-id"));

        if (leg != NULL && leg->room != NULL)
          room_digit (gw, leg, gst_structure_get_string (s, "digit"));
      }
      break;
    case GST_MESSAGE_ERROR:
    case GST_MESSAGE_WARNING:{
      GError *err = NULL;
      gchar *dbg = NULL;

      if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
        gst_message_parse_error (msg, &err, &dbg);
        g_free (gw->error);
        gw->error = g_strdup (err->message);
      } else {
        gst_message_parse_warning (msg, &err, &dbg);
      }
      /* a call's error (an untrusted user server, say) ends that call
       * only: the gateway goes on serving the others */
      gw_log (gw, "%s from %s: %s (%s)", GST_MESSAGE_TYPE (msg) ==
          GST_MESSAGE_ERROR ? "ERROR" : "WARNING",
          GST_MESSAGE_SRC_NAME (msg), err->message, dbg ? dbg : "");
      g_error_free (err);
      g_free (dbg);
      break;
    }
    default:
      break;
  }
  return G_SOURCE_CONTINUE;
}

/* src_n of the call in slot n: into the slot's port */
static void
pad_added_cb (GstElement * bin, GstPad * pad, Side * side)
{
  guint n;

  if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC
      || sscanf (GST_PAD_NAME (pad), "src_%u", &n) != 1 || n >= side->n_ports)
    return;
  pgsm_gateway_port_link_src (side->ports[n], pad);
}

/* ---- the gateway -------------------------------------------------------- */

PgsmGateway *
pgsm_gateway_new (PgsmGatewayConfig * config, GMainContext * context,
    PgsmGatewayLogFunc log, gpointer user_data)
{
  PgsmGateway *gw = g_new0 (PgsmGateway, 1);

  gw->config = config;
  gw->context = context ? g_main_context_ref (context) : NULL;
  gw->log = log;
  gw->log_data = user_data;
  gw->legs = g_ptr_array_new_with_free_func ((GDestroyNotify) leg_free);
  gw->links = g_ptr_array_new ();
  gw->rooms = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
      (GDestroyNotify) room_free);
  return gw;
}

static GstElement *
make_side_bin (PgsmGateway * gw, SideId id, GError ** error)
{
  const PgsmGatewayConfig *c = gw->config;
  GstElement *bin = gst_element_factory_make ("pgsmsipbin", side_names[id]);
  gchar *local;

  if (bin == NULL) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_MISSING_PLUGIN,
        "pgsmsipbin is missing (plugin pgsmsip)");
    return NULL;
  }
  if (id == SIDE_OUTSIDE) {
    /* the outside leg: TLS with the site certificate, SRTP only (the
     * element's defaults, which nothing here relaxes) */
    local = g_strdup_printf ("sips:gateway@%s", c->domain);
    g_object_set (bin, "listen-uri", c->outside_listen, "cert-file",
        c->cert_file, "key-file", c->key_file, "ca-file", c->ca_file,
        "codecs", c->codecs, NULL);
  } else {
    /* the inside leg: clear signalling and RTP, by design */
    local = g_strdup_printf ("sip:gateway@%s", c->domain);
    g_object_set (bin, "listen-uri", c->inside_listen,
        "allow-insecure-signaling", TRUE, NULL);
    gst_util_set_object_arg (G_OBJECT (bin), "media-encryption", "none");
  }
  g_object_set (bin, "local-uri", local, "max-calls", c->max_calls,
      "auto-answer", FALSE, NULL);
  g_free (local);
  return bin;
}

gboolean
pgsm_gateway_start (PgsmGateway * gw, GError ** error)
{
  GstBus *bus;
  SideId id;
  guint n;

  gw->pipeline = gst_pipeline_new ("site-gateway");
  for (id = 0; id < N_SIDES; id++) {
    Side *side = &gw->sides[id];

    side->bin = make_side_bin (gw, id, error);
    if (side->bin == NULL)
      return FALSE;
    gst_bin_add (GST_BIN (gw->pipeline), side->bin);
    g_signal_connect (side->bin, "pad-added", G_CALLBACK (pad_added_cb), side);
    for (n = 0; n < gw->config->max_calls; n++) {
      side->ports[n] = pgsm_gateway_port_new (GST_BIN (gw->pipeline),
          side->bin, n, error);
      if (side->ports[n] == NULL)
        return FALSE;
      side->n_ports = n + 1;
    }
  }
  bus = gst_pipeline_get_bus (GST_PIPELINE (gw->pipeline));
  gw->bus_source = gst_bus_create_watch (bus);
  gst_object_unref (bus);
  g_source_set_callback (gw->bus_source, (GSourceFunc) bus_cb, gw, NULL);
  g_source_attach (gw->bus_source, gw->context);

  if (gst_element_set_state (gw->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE) {
    GstMessage *msg = gst_bus_pop_filtered (GST_ELEMENT_BUS (gw->pipeline),
        GST_MESSAGE_ERROR);
    GError *err = NULL;
    gchar *dbg = NULL;

    if (msg != NULL) {
      gst_message_parse_error (msg, &err, &dbg);
      g_set_error (error, err->domain, err->code, "%s (%s)", err->message,
          dbg ? dbg : "");
      g_error_free (err);
      g_free (dbg);
      gst_message_unref (msg);
    } else {
      g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_STATE_CHANGE,
          "the gateway pipeline did not start");
    }
    return FALSE;
  }
  gw_log (gw, "outside: %s (SIP/TLS, SRTP), port %u",
      gw->config->outside_listen, pgsm_gateway_get_outside_port (gw));
  gw_log (gw, "inside: %s (clear SIP and RTP), port %u",
      gw->config->inside_listen, pgsm_gateway_get_inside_port (gw));
  return TRUE;
}

static guint
bound_port (PgsmGateway * gw, SideId id)
{
  guint port = 0;

  if (gw->sides[id].bin != NULL)
    g_object_get (gw->sides[id].bin, "bound-port", &port, NULL);
  return port;
}

guint
pgsm_gateway_get_outside_port (PgsmGateway * gw)
{
  return bound_port (gw, SIDE_OUTSIDE);
}

guint
pgsm_gateway_get_inside_port (PgsmGateway * gw)
{
  return bound_port (gw, SIDE_INSIDE);
}

const gchar *
pgsm_gateway_get_error (PgsmGateway * gw)
{
  return gw->error;
}

void
pgsm_gateway_free (PgsmGateway * gw)
{
  SideId id;
  guint n;

  if (gw->bus_source != NULL) {
    g_source_destroy (gw->bus_source);
    g_source_unref (gw->bus_source);
  }
  if (gw->pipeline != NULL)
    gst_element_set_state (gw->pipeline, GST_STATE_NULL);
  while (gw->links->len > 0) {
    Link *link = g_ptr_array_steal_index_fast (gw->links, 0);

    pgsm_gateway_route_free (link->route);
    g_free (link);
  }
  for (id = 0; id < N_SIDES; id++)
    for (n = 0; n < gw->sides[id].n_ports; n++)
      pgsm_gateway_port_free (gw->sides[id].ports[n]);
  gst_clear_object (&gw->pipeline);
  g_ptr_array_unref (gw->links);
  g_ptr_array_unref (gw->legs);
  g_hash_table_unref (gw->rooms);
  if (gw->context != NULL)
    g_main_context_unref (gw->context);
  pgsm_gateway_config_free (gw->config);
  g_free (gw->error);
  g_free (gw);
}
