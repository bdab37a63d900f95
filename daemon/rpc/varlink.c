/* Varlink call parsing and table-driven dispatch; see varlink.h.
 *
 * Protocol decisions (documented in docs/PROTOCOL.md by the lead):
 *  - A message that is not valid JSON, not an object, lacks a string "method", has a method
 *    that is not a qualified name (iface.Method), a "parameters" that is neither an object
 *    nor null, flags that are not booleans, or more than one of oneway/more/upgrade set, gets
 *    io.tend.Service.InvalidMessage {reason} and the connection is closed (VARLINK_REPLY_CLOSE),
 *    even when it asked for oneway: we cannot trust anything in it.
 *  - Unknown top-level keys are ignored for forward compatibility.
 *  - Null flags count as false; absent, null and {} parameters are equivalent.
 *  - "upgrade": true is not supported: org.varlink.service.InvalidParameter {parameter:
 *    "upgrade"} (after the interface and method were found; the connection stays open).
 *  - "more": true on a method that does not stream: the handler replies once, without
 *    "continues", which varlink allows.
 *  - A well-formed oneway call never gets a reply, not even an error.
 *  - The handler receives the parameters object of the parsed message with null values of
 *    optional parameters deleted; the dispatcher owns it (json_incref to keep it).
 *  - A handler that replies twice: the first reply wins, the second is freed. A handler that
 *    replies and then returns a negative errno: the reply it made is sent. */
#include "varlink.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "jsonfast.h"
#include "util.h"

#define VARLINK_SERVICE_INTERFACE "org.varlink.service"

static const char org_varlink_service_idl[] =
    "# The Varlink Service Interface is provided by every varlink service. It\n"
    "# describes the service and the interfaces it implements.\n"
    "interface org.varlink.service\n"
    "\n"
    "# Get a list of all the interfaces a service provides and information\n"
    "# about the implementation.\n"
    "method GetInfo() -> (\n"
    "  vendor: string,\n"
    "  product: string,\n"
    "  version: string,\n"
    "  url: string,\n"
    "  interfaces: []string\n"
    ")\n"
    "\n"
    "# Get the description of an interface that is implemented by this service.\n"
    "method GetInterfaceDescription(interface: string) -> (description: string)\n"
    "\n"
    "# The requested interface was not found.\n"
    "error InterfaceNotFound (interface: string)\n"
    "\n"
    "# The requested method was not found\n"
    "error MethodNotFound (method: string)\n"
    "\n"
    "# The interface defines the requested method, but the service does not\n"
    "# implement it.\n"
    "error MethodNotImplemented (method: string)\n"
    "\n"
    "# One of the passed parameters is invalid.\n"
    "error InvalidParameter (parameter: string)\n"
    "\n"
    "# Client is denied access\n"
    "error PermissionDenied ()\n"
    "\n"
    "# Method is expected to be called with 'more' set to true, but wasn't\n"
    "error ExpectedMore ()\n";

int varlink_call_reply(struct varlink_call *call, json_t *params)
{
        json_t *msg;

        if (!params)
                params = json_object();
        if (!params)
                return -ENOMEM;
        if (call->reply) {
                /* Replied already: the first reply wins. */
                json_decref(params);
                return 0;
        }
        msg = json_object();
        if (!msg) {
                json_decref(params);
                return -ENOMEM;
        }
        if (json_object_set_new(msg, "parameters", params) < 0) { /* consumes params */
                json_decref(msg);
                return -ENOMEM;
        }
        call->reply = msg;
        return 0;
}

int varlink_call_reply_continues(struct varlink_call *call, json_t *params, const char *stream)
{
        int r;

        if (!call->more) {
                json_decref(params);
                return varlink_call_error(call, "org.varlink.service.ExpectedMore", NULL);
        }
        if (call->reply) {
                json_decref(params);
                return 0;
        }
        r = varlink_call_reply(call, params);
        if (r < 0)
                return r;
        if (json_object_set_new(call->reply, "continues", json_true()) < 0) {
                json_decref(call->reply);
                call->reply = NULL;
                return -ENOMEM;
        }
        call->stream = stream;
        return 0;
}

int varlink_call_error(struct varlink_call *call, const char *error, json_t *params)
{
        json_t *msg = NULL;

        if (!params)
                params = json_object();
        if (!params || call->reply)
                goto fail;
        msg = json_object();
        if (!msg || json_object_set_new(msg, "error", json_string(error)) < 0)
                goto fail;
        if (json_object_set_new(msg, "parameters", params) < 0) {
                params = NULL; /* consumed by json_object_set_new even on failure */
                goto fail;
        }
        call->reply = msg;
        return 0;
fail:
        /* Out of memory or a second reply: the call stays without (a new) reply; the
         * dispatcher turns a missing reply into InternalError. */
        json_decref(params);
        json_decref(msg);
        return 0;
}

int varlink_call_invalid_value(struct varlink_call *call, const char *parameter, const char *reason)
{
        /* json_pack fails on invalid UTF-8; then the error goes out without parameters. */
        return varlink_call_error(
            call, "io.tend.Service.InvalidValue",
            json_pack("{s:s, s:s}", "parameter", parameter, "reason", reason));
}

int varlink_call_invalid_parameter(struct varlink_call *call, const char *parameter)
{
        return varlink_call_error(call, "org.varlink.service.InvalidParameter",
                                  json_pack("{s:s}", "parameter", parameter));
}

static json_t *error_message(const char *error, json_t *params)
{
        json_t *msg;

        if (!params)
                return NULL;
        msg = json_pack("{s:s, s:o}", "error", error, "parameters", params);
        return msg;
}

json_t *varlink_errno_reply(int error)
{
        if (error < 0)
                error = -error;
        switch (error) {
        case ENOSPC:
        case EDQUOT:
                return error_message("io.tend.Service.DiskFull", json_object());
        case EIO:
                return error_message("io.tend.Service.StorageFailed",
                                     json_pack("{s:s}", "reason", strerror(error)));
        default:
                return error_message("io.tend.Service.InternalError",
                                     json_pack("{s:s}", "reason", strerror(error)));
        }
}

struct encode_buffer {
        char *data;
        size_t len, cap; /* cap > len always leaves room for the final NUL */
};

static int encode_append(const char *s, size_t n, void *userdata)
{
        struct encode_buffer *b = userdata;
        size_t need, ncap;
        char *p;

        if (__builtin_add_overflow(b->len, n, &need) || __builtin_add_overflow(need, 1, &need))
                return -1;
        if (need > b->cap) {
                ncap = b->cap ? b->cap : 256;
                while (ncap < need)
                        if (__builtin_mul_overflow(ncap, 2, &ncap))
                                return -1;
                p = realloc(b->data, ncap);
                if (!p)
                        return -1;
                b->data = p;
                b->cap = ncap;
        }
        memcpy(b->data + b->len, s, n);
        b->len += n;
        return 0;
}

/* Encoded through a callback into our own malloc() buffer rather than json_dumps(), so the
 * result is always released with free(), whatever allocator jansson was given. */
char *varlink_encode(const json_t *msg, size_t *ret_len)
{
        struct encode_buffer b = {0};

        if (json_dump_callback(msg, encode_append, &b, JSON_COMPACT) < 0 ||
            encode_append("", 0, &b) < 0) {
                free(b.data);
                return NULL;
        }
        b.data[b.len] = '\0';
        if (ret_len)
                *ret_len = b.len;
        return b.data;
}

/* io.tend.Service.InvalidMessage with a reason made of printable ASCII only: jansson's error
 * texts quote pieces of the input, which may be anything. */
static json_t *invalid_message(const char *reason)
{
        char buf[256];
        size_t i;

        for (i = 0; reason[i] && i < sizeof(buf) - 1; i++)
                buf[i] = (reason[i] >= 0x20 && reason[i] < 0x7f) ? reason[i] : '?';
        buf[i] = '\0';
        return error_message("io.tend.Service.InvalidMessage", json_pack("{s:s}", "reason", buf));
}

static bool is_alnum(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool is_alpha(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Interface names are reverse-domain names: at least two dot-separated segments of letters,
 * digits and inner dashes, the first one starting with a letter (varlink IDL grammar). */
static bool interface_name_valid(const char *s, size_t len)
{
        size_t segments = 0;

        if (len == 0 || len > 255 || !is_alpha(s[0]))
                return false;
        for (size_t i = 0; i < len;) {
                size_t start = i;

                while (i < len && (is_alnum(s[i]) || s[i] == '-'))
                        i++;
                if (i == start || s[start] == '-' || s[i - 1] == '-')
                        return false;
                segments++;
                if (i == len)
                        break;
                if (s[i] != '.' || i + 1 == len)
                        return false;
                i++;
        }
        return segments >= 2;
}

/* Method names match [A-Z][A-Za-z0-9]*. */
static bool method_name_valid(const char *s)
{
        if (!(s[0] >= 'A' && s[0] <= 'Z'))
                return false;
        for (s++; *s; s++)
                if (!is_alnum(*s))
                        return false;
        return true;
}

static bool type_matches(enum varlink_type type, const json_t *v)
{
        size_t i;
        json_t *e;

        switch (type) {
        case VARLINK_STRING:
                return json_is_string(v);
        case VARLINK_INT:
                return json_is_integer(v);
        case VARLINK_FLOAT:
                return json_is_number(v);
        case VARLINK_BOOL:
                return json_is_boolean(v);
        case VARLINK_STRV:
                if (!json_is_array(v))
                        return false;
                json_array_foreach(v, i, e) if (!json_is_string(e)) return false;
                return true;
        case VARLINK_OBJECT:
                return json_is_object(v);
        case VARLINK_OBJECTV:
                if (!json_is_array(v))
                        return false;
                json_array_foreach(v, i, e) if (!json_is_object(e)) return false;
                return true;
        }
        return false;
}

static const struct varlink_param *param_find(const struct varlink_param *table, const char *name)
{
        for (const struct varlink_param *p = table; p && p->name; p++)
                if (streq(p->name, name))
                        return p;
        return NULL;
}

/* Check params against the table, deleting nulls of optional parameters. Returns 0 when valid,
 * 1 when an error reply was set on call, -ENOMEM. */
static int params_validate(struct varlink_call *call, const struct varlink_param *table,
                           json_t *params)
{
        const char *key;
        json_t *value;
        void *tmp;

        json_object_foreach_safe(params, tmp, key, value)
        {
                const struct varlink_param *p = param_find(table, key);

                if (!p || (json_is_null(value) && p->required) ||
                    (!json_is_null(value) && !type_matches(p->type, value))) {
                        varlink_call_invalid_parameter(call, key);
                        return call->reply ? 1 : -ENOMEM;
                }
                if (json_is_null(value) && json_object_del(params, key) < 0)
                        return -ENOMEM;
        }
        for (const struct varlink_param *p = table; p && p->name; p++)
                if (p->required && !json_object_get(params, p->name)) {
                        varlink_call_invalid_parameter(call, p->name);
                        return call->reply ? 1 : -ENOMEM;
                }
        return 0;
}

static const struct varlink_interface *interface_find(const struct varlink_service *svc,
                                                      const char *name, size_t len)
{
        for (const struct varlink_interface *const *i = svc->interfaces; i && *i; i++)
                if (strlen((*i)->name) == len && memcmp((*i)->name, name, len) == 0)
                        return *i;
        return NULL;
}

/* org.varlink.service.GetInfo; userdata is the service. */
static int builtin_get_info(struct varlink_call *call, json_t *params, void *userdata)
{
        const struct varlink_service *svc = userdata;
        json_t *list = json_array(), *reply;

        if (!list || json_array_append_new(list, json_string(VARLINK_SERVICE_INTERFACE)) < 0)
                goto oom;
        for (const struct varlink_interface *const *i = svc->interfaces; i && *i; i++) {
                if (streq((*i)->name, VARLINK_SERVICE_INTERFACE))
                        continue;
                if (json_array_append_new(list, json_string((*i)->name)) < 0)
                        goto oom;
        }
        reply = json_pack("{s:s, s:s, s:s, s:s, s:o}", "vendor", strempty(svc->vendor), "product",
                          strempty(svc->product), "version", strempty(svc->version), "url",
                          strempty(svc->url), "interfaces", list);
        if (!reply)
                return -ENOMEM; /* json_pack consumed list */
        return varlink_call_reply(call, reply);
oom:
        json_decref(list);
        return -ENOMEM;
}

/* org.varlink.service.GetInterfaceDescription; userdata is the service. */
static int builtin_get_interface_description(struct varlink_call *call, json_t *params,
                                             void *userdata)
{
        const struct varlink_service *svc = userdata;
        const char *name = json_string_value(json_object_get(params, "interface"));
        const struct varlink_interface *iface;
        json_t *reply;

        if (streq(name, VARLINK_SERVICE_INTERFACE)) {
                reply = json_pack("{s:s}", "description", org_varlink_service_idl);
        } else {
                iface = interface_find(svc, name, strlen(name));
                if (!iface)
                        return varlink_call_error(call, "org.varlink.service.InterfaceNotFound",
                                                  json_pack("{s:s}", "interface", name));
                if (iface->idl)
                        reply = json_pack("{s:s}", "description", iface->idl);
                else
                        reply =
                            json_pack("{s:s++}", "description", "interface ", iface->name, "\n");
        }
        if (!reply)
                return -ENOMEM;
        return varlink_call_reply(call, reply);
}

static const struct varlink_param builtin_get_interface_description_params[] = {
    {"interface", VARLINK_STRING, true},
    {0},
};

static const struct varlink_method builtin_methods[] = {
    {"GetInfo", builtin_get_info, NULL},
    {"GetInterfaceDescription", builtin_get_interface_description,
     builtin_get_interface_description_params},
    {0},
};

static const struct varlink_interface builtin_interface = {
    .name = VARLINK_SERVICE_INTERFACE,
    .idl = org_varlink_service_idl,
    .methods = builtin_methods,
};

/* Find the method and run it, leaving the reply (if any) in call->reply. Returns what the
 * handler returned, 0 when an error reply was set here, or -ENOMEM. */
static int call_method(const struct varlink_service *svc, struct varlink_call *call,
                       size_t iface_len, const char *method_name, bool upgrade, json_t *params,
                       void *userdata)
{
        const struct varlink_interface *iface;
        const struct varlink_method *method = NULL;
        int r;

        if (iface_len == strlen(VARLINK_SERVICE_INTERFACE) &&
            memcmp(call->method, VARLINK_SERVICE_INTERFACE, iface_len) == 0) {
                iface = &builtin_interface;
                userdata = (void *)svc;
        } else {
                iface = interface_find(svc, call->method, iface_len);
        }
        if (!iface) {
                json_t *p = json_pack("{s:s%}", "interface", call->method, iface_len);

                return p ? varlink_call_error(call, "org.varlink.service.InterfaceNotFound", p)
                         : -ENOMEM;
        }
        for (const struct varlink_method *m = iface->methods; m && m->name; m++)
                if (streq(m->name, method_name)) {
                        method = m;
                        break;
                }
        if (!method || !method->handler) {
                json_t *p = json_pack("{s:s}", "method", call->method);

                if (!p)
                        return -ENOMEM;
                return varlink_call_error(call,
                                          method ? "org.varlink.service.MethodNotImplemented"
                                                 : "org.varlink.service.MethodNotFound",
                                          p);
        }
        if (upgrade)
                return varlink_call_invalid_parameter(call, "upgrade");

        r = params_validate(call, method->params, params);
        if (r != 0)
                return r < 0 ? r : 0;
        return method->handler(call, params, userdata);
}

/* Parse the envelope. Returns NULL with the fields set, or a static reason for
 * InvalidMessage. */
static const char *envelope_parse(json_t *m, const char **ret_method, json_t **ret_params,
                                  bool *ret_oneway, bool *ret_more, bool *ret_upgrade)
{
        static const char *const flag_names[] = {"oneway", "more", "upgrade"};
        static const char *const flag_errors[] = {
            "\"oneway\" is not a boolean",
            "\"more\" is not a boolean",
            "\"upgrade\" is not a boolean",
        };
        bool flags[3] = {false, false, false};
        json_t *method, *params;
        unsigned n = 0;

        if (!json_is_object(m))
                return "the message is not a JSON object";
        method = json_object_get(m, "method");
        if (!json_is_string(method))
                return method ? "\"method\" is not a string" : "\"method\" is missing";
        params = json_object_get(m, "parameters");
        if (params && !json_is_object(params) && !json_is_null(params))
                return "\"parameters\" is not an object";
        for (size_t i = 0; i < ARRAY_SIZE(flag_names); i++) {
                json_t *f = json_object_get(m, flag_names[i]);

                /* null counts as false, like an absent flag */
                if (f && !json_is_boolean(f) && !json_is_null(f))
                        return flag_errors[i];
                flags[i] = json_is_true(f);
                n += flags[i];
        }
        if (n > 1)
                return "at most one of \"oneway\", \"more\" and \"upgrade\" may be true";

        *ret_method = json_string_value(method);
        *ret_params = json_is_object(params) ? params : NULL;
        *ret_oneway = flags[0];
        *ret_more = flags[1];
        *ret_upgrade = flags[2];
        return NULL;
}

int varlink_dispatch(const struct varlink_service *svc, const char *msg, size_t len, void *userdata,
                     json_t **ret_reply)
{
        return varlink_dispatch_stream(svc, msg, len, userdata, ret_reply, NULL);
}

int varlink_dispatch_stream(const struct varlink_service *svc, const char *msg, size_t len,
                            void *userdata, json_t **ret_reply, const char **ret_stream)
{
        struct varlink_call call = {0};
        json_error_t err;
        json_t *m = NULL, *params = NULL, *reply = NULL;
        const char *method = NULL, *reason, *dot;
        bool upgrade = false;
        char buf[sizeof(err.text) + 64];
        int r;

        if (ret_stream)
                *ret_stream = NULL;
        /* The fast path reads most messages (and Upload's 1 MiB of lines) many times faster;
         * whatever it declines, jansson reads, and rejects with its own words. */
        m = jsonfast_load(msg, len, &err);
        if (!m) {
                snprintf(buf, sizeof(buf), "invalid JSON at byte %d: %s", err.position, err.text);
                reason = buf;
                goto invalid;
        }
        reason = envelope_parse(m, &method, &params, &call.oneway, &call.more, &upgrade);
        if (reason)
                goto invalid;
        dot = strrchr(method, '.');
        if (!dot || !interface_name_valid(method, dot - method) || !method_name_valid(dot + 1)) {
                reason = "\"method\" is not a qualified method name (interface.Method)";
                goto invalid;
        }
        if (params) {
                json_incref(params);
        } else {
                params = json_object();
                if (!params) {
                        r = -ENOMEM;
                        goto finish;
                }
        }

        call.method = method;
        r = call_method(svc, &call, dot - method, dot + 1, upgrade, params, userdata);
        if (r >= 0 && call.deferred && !call.reply) {
                /* Answered later through the server (server_call_defer): nothing now. */
                *ret_reply = NULL;
                r = VARLINK_NO_REPLY;
                goto finish;
        }
        if (!call.reply) {
                if (r < 0)
                        call.reply = varlink_errno_reply(r);
                else
                        call.reply =
                            error_message("io.tend.Service.InternalError",
                                          json_pack("{s:s}", "reason", "the method did not reply"));
        }
        if (!call.reply) {
                r = -ENOMEM;
                goto finish;
        }
        if (call.oneway) {
                *ret_reply = NULL;
                r = VARLINK_NO_REPLY;
        } else {
                /* A kept call's reply is the "continues" one made with it, never an error. */
                if (ret_stream)
                        *ret_stream = call.stream && json_object_get(call.reply, "continues")
                                          ? call.stream
                                          : NULL;
                *ret_reply = TAKE_PTR(call.reply);
                r = VARLINK_REPLY;
        }
        goto finish;

invalid:
        reply = invalid_message(reason);
        if (!reply) {
                r = -ENOMEM;
                goto finish;
        }
        *ret_reply = reply;
        r = VARLINK_REPLY_CLOSE;
finish:
        json_decref(call.reply);
        json_decref(params);
        json_decref(m);
        return r;
}
