/* Varlink framing: each message is one JSON text terminated by a NUL byte. Input buffers
 * collect bytes from a non-blocking socket and hand out complete messages; output buffers
 * queue encoded messages and drain them as the socket accepts. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

struct frame_in {
        char *data;
        size_t len;  /* bytes held */
        size_t cap;  /* allocated */
        size_t head; /* start of the first unconsumed message */
        size_t scan; /* bytes from head already known to hold no NUL */
        size_t max;  /* largest message accepted, NUL excluded */
};

/** Initialise with a message size limit (bytes, without the terminating NUL). */
void frame_in_init(struct frame_in *in, size_t max_message);
void frame_in_done(struct frame_in *in);

/** Append bytes received from the peer. Returns 0 or -ENOMEM. */
int frame_in_append(struct frame_in *in, const void *data, size_t n);

/** One read(2) from fd into the buffer (at most 64 KiB). Returns bytes read (> 0), 0 on EOF,
 * -EAGAIN when nothing is there, or -errno. */
ssize_t frame_in_read(struct frame_in *in, int fd);

/** The next complete message: returns 1 with *ret pointing at a NUL-terminated string of
 * *ret_len bytes, valid until the next frame_in_* call; 0 when no complete message is held;
 * -EMSGSIZE when the message being collected is already larger than the limit. Each returned
 * message is consumed. */
int frame_in_next(struct frame_in *in, const char **ret, size_t *ret_len);

/** Bytes held that are not part of a complete message. */
size_t frame_in_partial(const struct frame_in *in);

struct frame_out {
        char *data;
        size_t len; /* bytes held */
        size_t cap;
        size_t head; /* bytes already written */
};

void frame_out_init(struct frame_out *out);
void frame_out_done(struct frame_out *out);

/** Queue a message and its NUL terminator. Returns 0 or -ENOMEM. */
int frame_out_push(struct frame_out *out, const char *msg, size_t len);

/** Bytes queued and not yet written. */
size_t frame_out_pending(const struct frame_out *out);

/** When nothing is pending and more than keep bytes are allocated, give the buffer back
 * (a big reply must not pin its size for the life of the connection). Returns the bytes
 * released. */
size_t frame_out_release(struct frame_out *out, size_t keep);

/** Likewise for an input buffer that holds no partial message. */
size_t frame_in_release(struct frame_in *in, size_t keep);

/** Write as much as fd takes without blocking (MSG_NOSIGNAL for sockets). Returns bytes still
 * pending (0 when drained), -EAGAIN never (that is a positive pending count), or -errno
 * (-EPIPE when the peer went away). */
ssize_t frame_out_flush(struct frame_out *out, int fd);
