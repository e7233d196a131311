/*
 * routes.c - the API's route table: method, path pattern, handler, the roles
 * allowed, flags. Scope (which rows) is checked by each handler through
 * auth_in_scope()/AUTH_SCOPE_SQL; roles (which endpoints) here, in one table,
 * so the role × endpoint matrix can be read in one place.
 */
#include "routes.h"

#include "capacity/capacity.h"
#include "community/community.h"
#include "http/http.h"
#include "policy/policy.h"
#include "queue/queue.h"
#include "region/region.h"
#include "supply/supply.h" /* supply pillar */

#define COMMAND (R(ROLE_ADMIN) | R(ROLE_COMMANDER))
#define GRIDS (COMMAND | R(ROLE_GRID))
#define GRIDS_RES (GRIDS | R(ROLE_RESIDENT))
/* queue pillar: a clinic's desk (and its overseers); who holds tickets */
#define QUEUE_DESK (COMMAND | R(ROLE_CLINIC))
#define QUEUE_TICKETS (QUEUE_DESK | R(ROLE_RESIDENT))
/* supply pillar: who holds stock (their own facility's, see src/supply/api.c) */
#define SUPPLY (COMMAND | R(ROLE_HOSPITAL) | R(ROLE_PHARMACY))

const struct http_route crest_routes[] = {
    {"POST", "/api/v1/session", session_routes_login, ROLES_ALL, HTTP_PUBLIC | HTTP_NOCSRF},
    {"DELETE", "/api/v1/session", session_routes_logout, ROLES_ALL, 0},
    {"GET", "/api/v1/me", session_routes_me, ROLES_ALL, 0},
    {"GET", "/api/v1/policy", policy_api_get, ROLES_ALL, 0},
    {"GET", "/api/v1/regions/{code}", region_api_get, ROLES_ALL, 0},
    {"POST", "/api/v1/regions", region_api_create, COMMAND, 0},
    {"PATCH", "/api/v1/regions/{code}", region_api_update, COMMAND, 0},
    /* capacity: the facility registry and daily reports */
    {"GET", "/api/v1/facilities", capacity_api_facility_list, ROLES_ALL, 0},
    {"POST", "/api/v1/facilities", capacity_api_facility_create, COMMAND, 0},
    {"POST", "/api/v1/facilities/import", capacity_api_facility_import, COMMAND, HTTP_BIGBODY},
    {"GET", "/api/v1/facilities/export", capacity_api_facility_export, COMMAND, 0},
    {"GET", "/api/v1/facilities/{id}", capacity_api_facility_get, ROLES_ALL, 0},
    {"PATCH", "/api/v1/facilities/{id}", capacity_api_facility_update, COMMAND, 0},
    {"GET", "/api/v1/facilities/{id}/reports", capacity_api_report_list, COMMAND | R(ROLE_HOSPITAL),
     0},
    {"POST", "/api/v1/facilities/{id}/reports", capacity_api_report_put, COMMAND | R(ROLE_HOSPITAL),
     0},
    {"GET", "/api/v1/capacity/compliance", capacity_api_compliance, COMMAND, 0},
    {"GET", "/api/v1/capacity/timeseries", capacity_api_timeseries, COMMAND, 0},
    {"GET", "/api/v1/capacity/measure-report", capacity_api_measure_report, COMMAND, 0},
    {"GET", "/api/v1/capacity/gaps.csv", capacity_api_gaps_csv, COMMAND, 0},
    {"GET", "/api/v1/capacity/gaps.xlsx", capacity_api_gaps_xlsx, COMMAND, 0},
    /* community: residents, the isolation ledger, requests, transfers */
    {"GET", "/api/v1/persons", comm_api_person_list, GRIDS, 0},
    {"POST", "/api/v1/persons", comm_api_person_create, GRIDS, 0},
    {"POST", "/api/v1/persons/import", comm_api_person_import, GRIDS, HTTP_BIGBODY},
    {"GET", "/api/v1/persons/{id}", comm_api_person_get, GRIDS, 0},
    {"PATCH", "/api/v1/persons/{id}", comm_api_person_update, GRIDS, 0},
    {"GET", "/api/v1/community/episodes", comm_api_episode_list, GRIDS, 0},
    {"POST", "/api/v1/community/episodes", comm_api_episode_create, GRIDS, 0},
    {"GET", "/api/v1/community/episodes/{id}", comm_api_episode_get, GRIDS_RES, 0},
    {"PATCH", "/api/v1/community/episodes/{id}", comm_api_episode_update, GRIDS, 0},
    {"GET", "/api/v1/community/episodes/{id}/followups", comm_api_followup_list, GRIDS_RES, 0},
    {"POST", "/api/v1/community/episodes/{id}/followups", comm_api_followup_create, GRIDS_RES, 0},
    {"GET", "/api/v1/community/episodes/{id}/transfer-options", comm_api_transfer_options, GRIDS,
     0},
    {"GET", "/api/v1/community/grids/{code}/today", comm_api_grid_today, GRIDS, 0},
    {"GET", "/api/v1/community/requests", comm_api_request_list, GRIDS_RES, 0},
    {"POST", "/api/v1/community/requests", comm_api_request_create, GRIDS_RES, 0},
    {"GET", "/api/v1/community/requests/{id}", comm_api_request_get, GRIDS_RES, 0},
    {"PATCH", "/api/v1/community/requests/{id}", comm_api_request_update, GRIDS_RES, 0},
    {"GET", "/api/v1/community/transfers", comm_api_transfer_list, GRIDS | R(ROLE_HOSPITAL), 0},
    {"POST", "/api/v1/community/transfers", comm_api_transfer_create, GRIDS, 0},
    {"PATCH", "/api/v1/community/transfers/{id}", comm_api_transfer_update,
     GRIDS | R(ROLE_HOSPITAL), 0},
    {"GET", "/api/v1/community/stats", comm_api_stats, GRIDS, 0},
    {"GET", "/api/v1/community/ledger.xlsx", comm_api_ledger_xlsx, GRIDS, 0},
    {"GET", "/api/v1/community/me", comm_api_me, R(ROLE_RESIDENT), 0},
    {"POST", "/api/v1/community/me/episodes", comm_api_me_episode, R(ROLE_RESIDENT), 0},
    /* queue: fever-clinic tickets, call-next, recommendation, live views */
    {"GET", "/api/v1/queue/recommend", queue_api_recommend, ROLES_ALL, 0},
    {"GET", "/api/v1/queue/stats", queue_api_stats, COMMAND | R(ROLE_CLINIC), 0},
    {"GET", "/api/v1/queue/tickets/mine", queue_api_ticket_mine, R(ROLE_RESIDENT), 0},
    {"GET", "/api/v1/queue/tickets/{id}", queue_api_ticket_get, QUEUE_TICKETS, 0},
    {"POST", "/api/v1/queue/tickets/{id}/events", queue_api_ticket_event, QUEUE_TICKETS, 0},
    {"GET", "/api/v1/queue/clinics/{id}", queue_api_clinic_get, ROLES_ALL, 0},
    {"PUT", "/api/v1/queue/clinics/{id}/hours", queue_api_clinic_hours, QUEUE_DESK, 0},
    {"PUT", "/api/v1/queue/clinics/{id}/counters/{no}", queue_api_counter_put, QUEUE_DESK, 0},
    {"POST", "/api/v1/queue/clinics/{id}/tickets", queue_api_ticket_create, QUEUE_TICKETS, 0},
    {"POST", "/api/v1/queue/clinics/{id}/call-next", queue_api_call_next, QUEUE_DESK, 0},
    {"GET", "/api/v1/queue/clinics/{id}/queue", queue_api_queue_list, QUEUE_DESK, 0},
    {"GET", "/api/v1/queue/clinics/{id}/display", queue_api_display, ROLES_ALL, HTTP_PUBLIC},
    {"GET", "/api/v1/queue/clinics/{id}/events", queue_api_events, ROLES_ALL, HTTP_PUBLIC},
    /* supply pillar: catalogue, ledger, days of cover, dispatch plans, shipments */
    {"GET", "/api/v1/supply/items", supply_api_items, SUPPLY, 0},
    {"POST", "/api/v1/supply/items", supply_api_item_create, COMMAND, 0},
    {"GET", "/api/v1/supply/stock", supply_api_stock, SUPPLY, 0},
    {"GET", "/api/v1/supply/movements", supply_api_movements, SUPPLY, 0},
    {"GET", "/api/v1/supply/movements/export", supply_api_movements_export, SUPPLY, 0},
    {"POST", "/api/v1/supply/movements", supply_api_movement_post, SUPPLY, 0},
    {"POST", "/api/v1/supply/transfers", supply_api_transfer, SUPPLY, 0},
    {"GET", "/api/v1/supply/cover", supply_api_cover, SUPPLY, 0},
    {"GET", "/api/v1/supply/shortages", supply_api_shortages, SUPPLY, 0},
    {"GET", "/api/v1/supply/expiring", supply_api_expiring, SUPPLY, 0},
    {"GET", "/api/v1/supply/plans", supply_api_plan_list, COMMAND, 0},
    {"POST", "/api/v1/supply/plans", supply_api_plan_create, COMMAND, 0},
    {"GET", "/api/v1/supply/plans/{id}", supply_api_plan_get, COMMAND, 0},
    {"GET", "/api/v1/supply/plans/{id}/export", supply_api_plan_export, COMMAND, 0},
    {"PATCH", "/api/v1/supply/plans/{id}/lines/{line}", supply_api_plan_line_edit, COMMAND, 0},
    {"POST", "/api/v1/supply/plans/{id}/approve", supply_api_plan_approve, COMMAND, 0},
    {"GET", "/api/v1/supply/shipments", supply_api_shipments, SUPPLY, 0},
    {"POST", "/api/v1/supply/shipments/{id}/receive", supply_api_shipment_receive, SUPPLY, 0},
};

const int crest_nroutes = (int)(sizeof crest_routes / sizeof crest_routes[0]);
