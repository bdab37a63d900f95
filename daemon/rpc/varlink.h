/* Varlink service dispatch: parses a call, finds the method in a table of interfaces,
 * checks parameters against the method's parameter table and runs its handler. Implements
 * org.varlink.service (GetInfo, GetInterfaceDescription) from the same tables. Knows
 * nothing about sockets: the server feeds it messages and sends what it returns. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

enum varlink_type {
        VARLINK_STRING,
        VARLINK_INT,   /* JSON integer */
        VARLINK_FLOAT, /* JSON number */
        VARLINK_BOOL,
        VARLINK_STRV,    /* array of strings */
        VARLINK_OBJECT,  /* any JSON object */
        VARLINK_OBJECTV, /* array of JSON objects */
};

struct varlink_param {
        const char *name;
        enum varlink_type type;
        bool required; /* a required parameter may not be null or absent */
};

struct varlink_call;

/** A method handler. Must either call varlink_call_reply / varlink_call_error exactly once
 * and return 0, or return a negative errno without replying (the dispatcher then answers
 * with a generic error derived from it). params is the validated parameters object (never
 * NULL; absent parameters are missing keys, null values are removed). params belongs to the
 * dispatcher and lives until the handler returns: json_incref it to keep it. A second reply is
 * freed and the first one sent; a reply made before returning a negative errno is sent. With
 * call->oneway the reply is made as usual and discarded by the dispatcher. */
typedef int (*varlink_handler)(struct varlink_call *call, json_t *params, void *userdata);

struct varlink_method {
        const char *name; /* unqualified, e.g. "Add" */
        varlink_handler handler;
        const struct varlink_param *params; /* terminated by {NULL} */
};

struct varlink_interface {
        const char *name;                     /* e.g. "io.tend.Contacts" */
        const char *idl;                      /* the interface description text */
        const struct varlink_method *methods; /* terminated by {NULL} */
};

struct varlink_service {
        const char *vendor, *product, *version, *url;
        const struct varlink_interface *const *interfaces; /* NULL-terminated */
};

struct varlink_call {
        const char *method; /* fully qualified */
        bool oneway;
        bool more;
        json_t *reply;      /* the complete reply message, set by reply/error; owned */
        const char *stream; /* set by varlink_call_reply_continues: the call stays open */
        bool deferred;      /* set by server_call_defer: the reply comes later */
};

/** Reply with parameters (stolen; NULL = {}). Returns 0 or -ENOMEM. */
int varlink_call_reply(struct varlink_call *call, json_t *params);

/** Streaming (a call made with "more"): reply with parameters (stolen; NULL = {}) and
 * "continues": true, and keep the call open as a member of stream, a static name for a kind of
 * event stream (e.g. "io.tend.FollowUps.Watch"). The server then keeps the connection open
 * without idle timeout and sends each later server_stream_send() for that name as a further
 * "continues" reply; a client that sends anything more on that connection, or hangs up, is
 * disconnected. Without "more" the call gets org.varlink.service.ExpectedMore instead. Returns
 * 0 or -ENOMEM. */
int varlink_call_reply_continues(struct varlink_call *call, json_t *params, const char *stream);

/** Reply with a qualified error name and parameters (stolen; NULL = {}). Returns 0 (out of
 * memory, the call stays without a reply and the dispatcher answers InternalError). */
int varlink_call_error(struct varlink_call *call, const char *error, json_t *params);

/** Convenience: io.tend.Service.InvalidValue {parameter, reason}. */
int varlink_call_invalid_value(struct varlink_call *call, const char *parameter,
                               const char *reason);

/** Convenience: org.varlink.service.InvalidParameter {parameter}. */
int varlink_call_invalid_parameter(struct varlink_call *call, const char *parameter);

enum varlink_dispatch_result {
        VARLINK_REPLY,       /* *ret_reply holds the reply to send */
        VARLINK_NO_REPLY,    /* oneway call: send nothing */
        VARLINK_REPLY_CLOSE, /* send *ret_reply, then close the connection (malformed input) */
};

/** Handle one message of len bytes (NUL excluded). Never fails on client input: malformed
 * JSON, a non-object, a missing method, unknown methods or interfaces, bad parameter types
 * and unknown parameters all become error replies (see varlink.c for the exact protocol
 * decisions: unknown top-level keys are ignored, "upgrade" gets InvalidParameter, a
 * well-formed oneway call never gets a reply, malformed input gets
 * io.tend.Service.InvalidMessage with VARLINK_REPLY_CLOSE). Returns an enum varlink_dispatch_result
 * with *ret_reply set (NULL for VARLINK_NO_REPLY), or -ENOMEM. */
int varlink_dispatch(const struct varlink_service *svc, const char *msg, size_t len, void *userdata,
                     json_t **ret_reply);

/** varlink_dispatch that also reports a call the handler kept open: *ret_stream is set to the
 * stream name (VARLINK_REPLY then) or NULL. */
int varlink_dispatch_stream(const struct varlink_service *svc, const char *msg, size_t len,
                            void *userdata, json_t **ret_reply, const char **ret_stream);

/** Map a negative errno from a handler to a reply (DiskFull for -ENOSPC and -EDQUOT,
 * StorageFailed {reason} for -EIO, InternalError {reason} otherwise). Returns the reply
 * message, or NULL when out of memory. */
json_t *varlink_errno_reply(int error);

/** Encode a reply message compactly (UTF-8, no NUL inside: a U+0000 in a string is escaped);
 * returns a heap string to free() or NULL on -ENOMEM. */
char *varlink_encode(const json_t *msg, size_t *ret_len);
