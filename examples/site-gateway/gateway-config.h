/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The site gateway's configuration: a GLib key file (docs/site-gateway.md)
 * with a [gateway] group, and one group per number that can be dialled:
 *
 *   [user alice]   a secure user outside, reached at uri=sips:...
 *   [phone 100]    a clear phone inside, reached at uri=sip:...
 *   [room 300]     a conference room; pin= (DTMF, optional), dial= (numbers
 *                  called into the room when its first member arrives:
 *                  3-way calling)
 */

#ifndef __PGSM_GATEWAY_CONFIG_H__
#define __PGSM_GATEWAY_CONFIG_H__

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  PGSM_GATEWAY_TARGET_USER,     /* outside, over SIP/TLS + SRTP */
  PGSM_GATEWAY_TARGET_PHONE,    /* inside, clear SIP + RTP */
  PGSM_GATEWAY_TARGET_ROOM,     /* a conference room of the gateway */
} PgsmGatewayTargetKind;

typedef struct
{
  PgsmGatewayTargetKind kind;
  gchar *number;                /* what is dialled: user part of the URI */
  gchar *uri;                   /* user, phone: where it is called */
  gchar *pin;                   /* room: digits to enter, or NULL */
  gchar **dial;                 /* room: numbers called in, or NULL */
} PgsmGatewayTarget;

typedef struct
{
  gchar *outside_listen;        /* sips: URI, the site's TLS port */
  gchar *inside_listen;         /* sip: URI on the company network */
  gchar *domain;                /* host part of the gateway's own URIs */
  gchar *cert_file;             /* the site certificate (chain) */
  gchar *key_file;
  gchar *ca_file;               /* trusted for calls out to users */
  guint max_calls;              /* per side, 1..16 */
  gchar *codecs;                /* outside codecs (default PCMU,PCMA) */
  GPtrArray *targets;           /* PgsmGatewayTarget* */
} PgsmGatewayConfig;

PgsmGatewayConfig *pgsm_gateway_config_load (const gchar * path,
    GError ** error);

PgsmGatewayConfig *pgsm_gateway_config_parse (const gchar * data,
    GError ** error);

void pgsm_gateway_config_free (PgsmGatewayConfig * config);

const PgsmGatewayTarget *pgsm_gateway_config_lookup (const PgsmGatewayConfig *
    config, const gchar * number);

gchar *pgsm_gateway_number_of_uri (const gchar * uri);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PgsmGatewayConfig, pgsm_gateway_config_free)

G_END_DECLS

#endif /* __PGSM_GATEWAY_CONFIG_H__ */
