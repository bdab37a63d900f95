/* Where tend keeps its files, shared by daemon and client so both agree on every path. */
#pragma once

#include <stdbool.h>

/** The per-user runtime directory: $XDG_RUNTIME_DIR when set to an absolute path; otherwise
 * /run/user/UID when it exists, is a directory owned by us and not accessible to others;
 * otherwise /tmp/tend-UID, created 0700 when create is true, and accepted only when lstat shows
 * a real directory owned by our uid with mode 0700 (never a path another user made first).
 * Returns 0 with a heap string in *ret, -ENOENT (fallback missing and !create), -EPERM
 * (the fallback exists but is not ours or not private) or -errno. A fallback that is ours but
 * open to others is refused, never chmod'ed: someone may already have had access to it. */
int paths_runtime_dir(bool create, char **ret);

/** $RUNTIME/tend/tendd.sock (see paths_runtime_dir). Also -ENAMETOOLONG when the path does not
 * fit sockaddr_un.sun_path. The tend/ directory is not created here (dir_ensure_private). */
int paths_socket(bool create_runtime, char **ret);

/** $XDG_DATA_HOME/tend, default ~/.local/share/tend (relative XDG values are ignored). */
int paths_data_dir(char **ret);

/** $XDG_CONFIG_HOME/tend/tendd.conf, default ~/.config/tend/tendd.conf. */
int paths_config_file(char **ret);

/** $XDG_STATE_HOME/tend/backups (default ~/.local/state/tend/backups): rolling backups. */
int paths_backup_dir(char **ret);

/** mkdir -p; directories it creates get the given mode. Existing ones are left alone.
 * Returns 0 or -errno. */
int mkdir_parents(const char *path, unsigned mode);

/** Ensure the directory exists, is ours and not group/other accessible (chmod 0700 if it is
 * ours but too open). Returns 0, -EPERM if owned by someone else or not a directory, -errno.
 * A symlink counts as not a directory. Missing parents are created 0700 (XDG spec). */
int dir_ensure_private(const char *path);
