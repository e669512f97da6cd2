/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The site gateway's audio plumbing, on clear audio inside the gateway.
 *
 * A port is one call slot of one pgsmsipbin: what the call in that slot
 * hears is the output of the port's audiomixer (fed to the bin's sink pad
 * of the slot), and what it says comes out of the bin's src pad of the
 * slot into the port's tee. A route carries one port's voice into another
 * port's mix. A bridged call is two routes, one each way; a conference
 * room of N legs is N x (N - 1) routes, so each leg hears all the others
 * and never itself (an N-1 mix without subtracting anything). */

#ifndef __PGSM_GATEWAY_MIX_H__
#define __PGSM_GATEWAY_MIX_H__

#include <gst/gst.h>

G_BEGIN_DECLS

/* What every mix is made in: narrowband, as G.711 on both legs */
#define PGSM_GATEWAY_MIX_CAPS "audio/x-raw,format=S16LE,rate=8000,channels=1,layout=interleaved"

typedef struct _PgsmGatewayPort PgsmGatewayPort;
typedef struct _PgsmGatewayRoute PgsmGatewayRoute;

PgsmGatewayPort *pgsm_gateway_port_new (GstBin * pipeline,
    GstElement * sipbin, guint slot, GError ** error);

void pgsm_gateway_port_free (PgsmGatewayPort * port);

gboolean pgsm_gateway_port_link_src (PgsmGatewayPort * port, GstPad * srcpad);

PgsmGatewayRoute *pgsm_gateway_route_new (PgsmGatewayPort * from,
    PgsmGatewayPort * to);

void pgsm_gateway_route_free (PgsmGatewayRoute * route);

G_END_DECLS

#endif /* __PGSM_GATEWAY_MIX_H__ */
