#include "cmd-complete.h"

#include <strings.h>

#include "commands.h"
#include "model.h"

#define KINDS                                                                                      \
        "coffee call informational-interview email message meeting event intro referral "          \
        "follow-up"

const char *cmd_complete_kinds(void)
{
        return KINDS;
}

bool cmd_complete_is_hidden(const char *verb)
{
        return verb && verb[0] == '_' && verb[1] == '_';
}

/* ---- reading the table ---- */

enum complete_kind cmd_complete_option_kind(const struct option_help *o)
{
        if (!o->arg)
                return COMPLETE_NONE;
        if (o->values)
                return COMPLETE_VALUES;
        if (streq(o->arg, "WHO"))
                return COMPLETE_WHO;
        if (streq(o->arg, "PATH") || streq(o->arg, "FILE") || streq(o->arg, "DIR"))
                return COMPLETE_PATH;
        return COMPLETE_NONE;
}

/* Word i of args (brackets and dots removed) into buf; false when there is no word i. */
static bool positional_word(const char *args, size_t i, char *buf, size_t size, bool *ret_rest)
{
        const char *s = args;

        for (;;) {
                size_t len;

                s += strspn(s, " ");
                len = strcspn(s, " ");
                if (len == 0)
                        return false;
                if (i-- == 0) {
                        const char *b = s, *e = s + len;

                        *ret_rest = (len >= 3 && strncmp(e - 3, "...", 3) == 0) ||
                                    (len >= 4 && strncmp(e - 4, "...]", 4) == 0);
                        while (b < e && *b == '[')
                                b++;
                        while (e > b && (e[-1] == ']' || e[-1] == '.'))
                                e--;
                        snprintf(buf, size, "%.*s", (int)(e - b), b);
                        return true;
                }
                s += len;
        }
}

size_t cmd_complete_positional_count(const struct command *cmd)
{
        char word[64];
        bool rest;
        size_t n = 0;

        while (positional_word(cmd->args, n, word, sizeof(word), &rest))
                n++;
        return n;
}

enum complete_kind cmd_complete_positional_kind(const struct command *cmd, size_t i, bool *ret_rest)
{
        char word[64];
        bool rest = false;

        if (!positional_word(cmd->args, i, word, sizeof(word), &rest))
                return _COMPLETE_KIND_INVALID;
        rest = rest && i + 1 == cmd_complete_positional_count(cmd);
        if (ret_rest)
                *ret_rest = rest;
        /* KEEP and OTHER name people too (tend merge). */
        if (streq(word, "WHO") || streq(word, "KEEP") || streq(word, "OTHER"))
                return COMPLETE_WHO;
        if (streq(word, "COMMAND"))
                return COMPLETE_COMMAND;
        if (streq(word, "KIND"))
                return COMPLETE_KIND;
        /* FILE, PATH, DIR, or alternatives such as FILE|- */
        for (char *save = NULL, *alt = strtok_r(word, "|", &save); alt;
             alt = strtok_r(NULL, "|", &save))
                if (streq(alt, "PATH") || streq(alt, "FILE") || streq(alt, "DIR"))
                        return COMPLETE_PATH;
        return COMPLETE_NONE;
}

/* Verbs, option names and values go into scripts unquoted. */
static bool safe_word(const char *s)
{
        if (!s || !*s)
                return false;
        for (; *s; s++)
                if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
                      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' || *s == '.'))
                        return false;
        return true;
}

static bool safe_words(const char *list)
{
        char buf[512];

        if (strlen(list) >= sizeof(buf))
                return false;
        strcpy(buf, list);
        for (char *save = NULL, *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save))
                if (!safe_word(w))
                        return false;
        return true;
}

static int check_table(void)
{
        size_t n;
        const struct command *cmds = cli_commands(&n);

        for (const struct option_help *o = cli_global_options(); o->name; o++)
                if (!safe_word(o->name) || (o->values && !safe_words(o->values)))
                        return -EBADMSG;
        for (size_t i = 0; i < n; i++) {
                if (!safe_word(cmds[i].verb))
                        return -EBADMSG;
                for (const struct option_help *o = cmds[i].options; o->name; o++)
                        if (!safe_word(o->name) || (o->values && !safe_words(o->values)))
                                return -EBADMSG;
        }
        return safe_words(KINDS) ? 0 : -EBADMSG;
}

/* Every option of cmd (or only the global ones when cmd is NULL), command options first. */
#define FOREACH_OPTION(o, cmd, pass)                                                               \
        for (int pass = (cmd) ? 0 : 1; pass < 2; pass++)                                           \
                for (const struct option_help *o = pass == 0 ? (cmd)->options                      \
                                                             : cli_global_options();               \
                     o->name; o++)

/* ---- quoting ---- */

/* Write s inside single quotes for sh/zsh: ' becomes '\''. */
static void put_sq(FILE *f, const char *s)
{
        fputc('\'', f);
        for (; *s; s++)
                if (*s == '\'')
                        fputs("'\\''", f);
                else if (*s == '\n')
                        fputc(' ', f);
                else
                        fputc(*s, f);
        fputc('\'', f);
}

/* An _arguments description: brackets and colons escaped, then single-quoted. */
static void put_zsh_spec(FILE *f, const char *prefix, const char *help, const char *suffix)
{
        char buf[1024];
        size_t n = 0;

        n += (size_t)snprintf(buf, sizeof(buf), "%s", prefix);
        for (const char *s = help; *s && n + 3 < sizeof(buf); s++) {
                if (*s == '[' || *s == ']' || *s == ':' || *s == '\\')
                        buf[n++] = '\\';
                buf[n++] = *s == '\n' ? ' ' : *s;
        }
        buf[n] = '\0';
        fputs("    ", f);
        fputc('\'', f);
        for (const char *s = buf; *s; s++)
                if (*s == '\'')
                        fputs("'\\''", f);
                else
                        fputc(*s, f);
        for (const char *s = suffix; *s; s++)
                if (*s == '\'')
                        fputs("'\\''", f);
                else
                        fputc(*s, f);
        fputs("' \\\n", f);
}

/* fish single quotes: \ and ' are escaped. */
static void put_fish_sq(FILE *f, const char *s)
{
        fputc('\'', f);
        for (; *s; s++)
                if (*s == '\'' || *s == '\\')
                        fprintf(f, "\\%c", *s);
                else
                        fputc(*s == '\n' ? ' ' : *s, f);
        fputc('\'', f);
}

#define HEADER "# Generated by `tend __completion %s` from tend's command table; do not edit.\n"

/* ---- bash ---- */

static void bash_kind_case(FILE *f, enum complete_kind k, const char *values)
{
        switch (k) {
        case COMPLETE_VALUES:
                fprintf(f, "echo 'values %s'", values);
                break;
        case COMPLETE_WHO:
                fputs("echo who", f);
                break;
        case COMPLETE_COMMAND:
                fputs("echo command", f);
                break;
        case COMPLETE_KIND:
                fputs("echo kind", f);
                break;
        case COMPLETE_PATH:
                fputs("echo path", f);
                break;
        default:
                fputs("echo text", f);
                break;
        }
}

static void script_bash(FILE *f)
{
        size_t n;
        const struct command *cmds = cli_commands(&n);

        fputs("# bash completion for tend                                 -*- shell-script -*-\n",
              f);
        fprintf(f, HEADER, "bash");
        fputs("\n_tend_verbs='", f);
        for (size_t i = 0; i < n; i++)
                fprintf(f, "%s%s", i ? " " : "", cmds[i].verb);
        fprintf(f, "'\n_tend_kinds='%s'\n\n", KINDS);

        /* The options of a verb (globals only when there is none yet). */
        fputs("_tend_options()\n{\n    case $1 in\n", f);
        for (size_t i = 0; i < n; i++) {
                fprintf(f, "    %s) echo '", cmds[i].verb);
                FOREACH_OPTION(o, &cmds[i], pass)
                fprintf(f, "%s--%s", o == cmds[i].options && pass == 0 ? "" : " ", o->name);
                fputs("' ;;\n", f);
        }
        fputs("    *) echo '", f);
        FOREACH_OPTION(o, (const struct command *)NULL, pass)
        fprintf(f, "%s--%s", o == cli_global_options() ? "" : " ", o->name);
        fputs("' ;;\n    esac\n}\n\n", f);

        /* What an option's argument is; fails for flags and unknown options. */
        fputs("_tend_option_arg()\n{\n    case $1:$2 in\n", f);
        for (size_t i = 0; i < n; i++)
                for (const struct option_help *o = cmds[i].options; o->name; o++) {
                        if (!o->arg)
                                continue;
                        fprintf(f, "    %s:--%s) ", cmds[i].verb, o->name);
                        bash_kind_case(f, cmd_complete_option_kind(o), o->values);
                        fputs(" ;;\n", f);
                }
        for (const struct option_help *o = cli_global_options(); o->name; o++) {
                if (!o->arg)
                        continue;
                fprintf(f, "    *:--%s) ", o->name);
                bash_kind_case(f, cmd_complete_option_kind(o), o->values);
                fputs(" ;;\n", f);
        }
        fputs("    *) return 1 ;;\n    esac\n}\n\n", f);

        /* What positional word $2 (from 0) of verb $1 is. */
        fputs("_tend_positional()\n{\n    case $1 in\n", f);
        for (size_t i = 0; i < n; i++) {
                size_t np = cmd_complete_positional_count(&cmds[i]);

                fprintf(f, "    %s) case $2 in", cmds[i].verb);
                for (size_t k = 0; k < np; k++) {
                        bool rest = false;
                        enum complete_kind kind = cmd_complete_positional_kind(&cmds[i], k, &rest);

                        if (rest)
                                fputs(" *) ", f);
                        else
                                fprintf(f, " %zu) ", k);
                        bash_kind_case(f, kind, NULL);
                        fputs(" ;;", f);
                }
                fputs(" esac ;;\n", f);
        }
        fputs("    esac\n}\n\n", f);

        fputs("# Contact names from tendd. Names are untrusted text: never passed through compgen "
              "-W\n"
              "# (which expands words), filtered here and quoted by readline (-o filenames).\n"
              "_tend_names()\n"
              "{\n"
              "    local cur=$1 socket=$2 line\n"
              "    local -a args=()\n"
              "    [[ -n $socket ]] && args=(--socket \"$socket\")\n"
              "    cur=${cur//\\\\/}\n"
              "    cur=${cur#[\\'\\\"]}\n"
              "    compopt -o filenames 2>/dev/null\n"
              "    while IFS= read -r line; do\n"
              "        [[ ${line,,} == \"${cur,,}\"* ]] && COMPREPLY+=(\"$line\")\n"
              "    done < <(command tend \"${args[@]}\" __complete-names -- \"$cur\" 2>/dev/null)\n"
              "}\n\n"
              "_tend_complete()\n"
              "{\n"
              "    local what=$1 cur=$2 socket=$3\n"
              "    case $what in\n"
              "    who) _tend_names \"$cur\" \"$socket\" ;;\n"
              "    command) COMPREPLY=($(compgen -W \"$_tend_verbs\" -- \"$cur\")) ;;\n"
              "    kind) COMPREPLY=($(compgen -W \"$_tend_kinds\" -- \"$cur\")) ;;\n"
              "    path) compopt -o filenames 2>/dev/null\n"
              "          COMPREPLY=($(compgen -f -- \"$cur\")) ;;\n"
              "    values\\ *)\n"
              "        # NETWORK takes comma-separated lists: complete the last item.\n"
              "        local head=\n"
              "        [[ $cur == *,* ]] && head=${cur%,*},\n"
              "        COMPREPLY=($(compgen -P \"$head\" -W \"${what#values }\" -- "
              "\"${cur##*,}\")) ;;\n"
              "    esac\n"
              "}\n\n"
              "_tend()\n"
              "{\n"
              "    local -a words=(\"${COMP_WORDS[@]}\")\n"
              "    local cword=$COMP_CWORD cur=${COMP_WORDS[COMP_CWORD]}\n"
              "    local prev=${COMP_WORDS[COMP_CWORD-1]} verb= socket= opt= what w i npos=0\n"
              "    COMPREPLY=()\n"
              "\n"
              "    # --opt=value arrives as three words, '=' is in COMP_WORDBREAKS.\n"
              "    if [[ $cur == = ]]; then\n"
              "        opt=$prev cur=\n"
              "    elif [[ $prev == = ]]; then\n"
              "        opt=${words[cword-2]}\n"
              "    fi\n"
              "\n"
              "    for ((i = 1; i < cword; i++)); do\n"
              "        w=${words[i]}\n"
              "        if [[ $w == --* && ${words[i+1]} == = ]]; then\n"
              "            [[ $w == --socket && i+2 < cword ]] && socket=${words[i+2]}\n"
              "            ((i += 2))\n"
              "            continue\n"
              "        fi\n"
              "        case $w in\n"
              "        --) ;;\n"
              "        -*)\n"
              "            if _tend_option_arg \"$verb\" \"$w\" >/dev/null; then\n"
              "                [[ $w == --socket ]] && socket=${words[i+1]}\n"
              "                ((i++))\n"
              "            fi ;;\n"
              "        *)\n"
              "            if [[ -z $verb ]]; then verb=$w; else ((npos++)); fi ;;\n"
              "        esac\n"
              "    done\n"
              "\n"
              "    if [[ -z $opt && $prev == -* ]] && _tend_option_arg \"$verb\" \"$prev\" "
              ">/dev/null; "
              "then\n"
              "        opt=$prev\n"
              "    fi\n"
              "    if [[ -n $opt ]]; then\n"
              "        what=$(_tend_option_arg \"$verb\" \"$opt\") && _tend_complete \"$what\" "
              "\"$cur\" "
              "\"$socket\"\n"
              "        return 0\n"
              "    fi\n"
              "    if [[ $cur == -* ]]; then\n"
              "        COMPREPLY=($(compgen -W \"$(_tend_options \"$verb\")\" -- \"$cur\"))\n"
              "        return 0\n"
              "    fi\n"
              "    if [[ -z $verb ]]; then\n"
              "        COMPREPLY=($(compgen -W \"$_tend_verbs\" -- \"$cur\"))\n"
              "        return 0\n"
              "    fi\n"
              "    what=$(_tend_positional \"$verb\" \"$npos\")\n"
              "    [[ -n $what ]] && _tend_complete \"$what\" \"$cur\" \"$socket\"\n"
              "    return 0\n"
              "}\n"
              "complete -F _tend tend\n",
              f);
}

/* ---- zsh ---- */

static void zsh_action(FILE *f, enum complete_kind k, const char *values, char *buf, size_t size)
{
        switch (k) {
        case COMPLETE_VALUES:
                snprintf(buf, size, "(%s)", values);
                break;
        case COMPLETE_WHO:
                snprintf(buf, size, "__tend_names");
                break;
        case COMPLETE_COMMAND:
                snprintf(buf, size, "__tend_commands");
                break;
        case COMPLETE_KIND:
                snprintf(buf, size, "(%s)", KINDS);
                break;
        case COMPLETE_PATH:
                snprintf(buf, size, "_files");
                break;
        default:
                snprintf(buf, size, " ");
                break;
        }
}

static void zsh_option(FILE *f, const struct option_help *o, bool global)
{
        char prefix[128], suffix[640], action[512];

        if (!o->arg) {
                /* --help and --version end the command line. */
                if (global && (o->id == CLI_OPT_HELP || o->id == CLI_OPT_VERSION))
                        snprintf(prefix, sizeof(prefix), "(- *)--%s[", o->name);
                else
                        snprintf(prefix, sizeof(prefix), "--%s[", o->name);
                put_zsh_spec(f, prefix, o->help, "]");
                return;
        }
        zsh_action(f, cmd_complete_option_kind(o), o->values, action, sizeof(action));
        snprintf(prefix, sizeof(prefix), "*--%s=[", o->name);
        snprintf(suffix, sizeof(suffix), "]:%s:%s", o->arg, action);
        put_zsh_spec(f, prefix, o->help, suffix);
}

static void script_zsh(FILE *f)
{
        size_t n;
        const struct command *cmds = cli_commands(&n);

        fputs("#compdef tend\n", f);
        fprintf(f, HEADER, "zsh");
        fputs("\n__tend_commands()\n{\n    local -a commands=(\n", f);
        for (size_t i = 0; i < n; i++) {
                char buf[512];

                snprintf(buf, sizeof(buf), "%s:%s", cmds[i].verb, cmds[i].summary);
                fputs("        ", f);
                put_sq(f, buf);
                fputc('\n', f);
        }
        fputs("    )\n    _describe -t commands 'tend command' commands\n}\n\n", f);

        fputs("# Contact names from tendd (untrusted text: added literally, quoted by compadd). "
              "tendd\n"
              "# has matched them (any case, any word): -U keeps zsh from filtering them again.\n"
              "__tend_names()\n"
              "{\n"
              "    local -a names args\n"
              "    [[ -n ${opt_args[--socket]} ]] && args=(--socket \"${opt_args[--socket]}\")\n"
              "    names=(\"${(@f)$(command tend $args __complete-names -- \"${(Q)PREFIX}\" "
              "2>/dev/null)}\")\n"
              "    names=(${names:#})\n"
              "    _wanted contacts expl contact compadd -U -a names\n"
              "}\n\n",
              f);

        fputs("_tend()\n{\n"
              "    local curcontext=$curcontext state line ret=1\n"
              "    typeset -A opt_args\n"
              "    _arguments -C \\\n",
              f);
        for (const struct option_help *o = cli_global_options(); o->name; o++)
                zsh_option(f, o, true);
        fputs("    '(-): :->command' \\\n"
              "    '(-)*:: :->args' && ret=0\n\n"
              "    case $state in\n"
              "    command) __tend_commands && ret=0 ;;\n"
              "    args)\n"
              "        curcontext=${curcontext%:*:*}:tend-$words[1]:\n"
              "        case $words[1] in\n",
              f);
        for (size_t i = 0; i < n; i++) {
                size_t np = cmd_complete_positional_count(&cmds[i]);

                fprintf(f, "        (%s)\n            _arguments -s -S \\\n", cmds[i].verb);
                FOREACH_OPTION(o, &cmds[i], pass)
                zsh_option(f, o, pass == 1);
                for (size_t k = 0; k < np; k++) {
                        char word[64], action[512], spec[640];
                        bool rest = false;
                        enum complete_kind kind = cmd_complete_positional_kind(&cmds[i], k, &rest);

                        positional_word(cmds[i].args, k, word, sizeof(word), &rest);
                        zsh_action(f, kind, NULL, action, sizeof(action));
                        if (rest)
                                snprintf(spec, sizeof(spec), "*:%s:%s", word, action);
                        else
                                snprintf(spec, sizeof(spec), "%zu:%s:%s", k + 1, word, action);
                        fputs("    ", f);
                        put_sq(f, spec);
                        fputs(" \\\n", f);
                }
                fputs("            && ret=0 ;;\n", f);
        }
        fputs("        esac ;;\n"
              "    esac\n"
              "    return ret\n"
              "}\n\n"
              "if [[ $zsh_eval_context[-1] == loadautofunc ]]; then\n"
              "    _tend \"$@\"\n"
              "else\n"
              "    compdef _tend tend\n"
              "fi\n",
              f);
}

/* ---- fish ---- */

static void script_fish(FILE *f)
{
        size_t n;
        const struct command *cmds = cli_commands(&n);

        fputs("# fish completion for tend\n", f);
        fprintf(f, HEADER, "fish");
        fputs("\n# Options that take an argument (the word after them is not a positional).\n"
              "set -g __tend_arg_opts",
              f);
        for (size_t i = 0; i <= n; i++) {
                const struct option_help *list = i < n ? cmds[i].options : cli_global_options();

                for (const struct option_help *o = list; o->name; o++)
                        if (o->arg)
                                fprintf(f, " --%s", o->name);
        }
        fputs("\n\n"
              "# Prints the verb and the number of positional words before the cursor.\n"
              "function __tend_state\n"
              "    set -l tokens (commandline -opc)\n"
              "    set -l verb ''\n"
              "    set -l npos 0\n"
              "    set -l skip 0\n"
              "    for t in $tokens[2..-1]\n"
              "        if test $skip = 1\n"
              "            set skip 0\n"
              "            continue\n"
              "        end\n"
              "        switch $t\n"
              "            case '--*=*' '--'\n"
              "            case '-*'\n"
              "                contains -- $t $__tend_arg_opts; and set skip 1\n"
              "            case '*'\n"
              "                if test -z \"$verb\"\n"
              "                    set verb $t\n"
              "                else\n"
              "                    set npos (math $npos + 1)\n"
              "                end\n"
              "        end\n"
              "    end\n"
              "    echo $verb\n"
              "    echo $npos\n"
              "end\n\n"
              "function __tend_no_verb\n"
              "    set -l s (__tend_state)\n"
              "    test -z \"$s[1]\"\n"
              "end\n\n"
              "function __tend_verb -a verb\n"
              "    set -l s (__tend_state)\n"
              "    test \"$s[1]\" = $verb\n"
              "end\n\n"
              "# __tend_pos VERB N: completing positional N (from 0); N+ means N or later.\n"
              "function __tend_pos -a verb n\n"
              "    set -l s (__tend_state)\n"
              "    test \"$s[1]\" = $verb; or return 1\n"
              "    if string match -q '*+' -- $n\n"
              "        test $s[2] -ge (string trim -r -c + -- $n)\n"
              "    else\n"
              "        test $s[2] -eq $n\n"
              "    end\n"
              "end\n\n"
              "# Contact names from tendd; fish quotes what it inserts.\n"
              "function __tend_names\n"
              "    set -l tokens (commandline -opc)\n"
              "    set -l args\n"
              "    set -l i (contains -i -- --socket $tokens)\n"
              "    and set args --socket $tokens[(math $i + 1)]\n"
              "    command tend $args __complete-names -- (commandline -ct) 2>/dev/null\n"
              "end\n\n"
              "complete -c tend -f\n",
              f);

        for (const struct option_help *o = cli_global_options(); o->name; o++) {
                fprintf(f, "complete -c tend -l %s", o->name);
                if (o->arg)
                        fputs(cmd_complete_option_kind(o) == COMPLETE_PATH ? " -r -F" : " -x", f);
                fputs(" -d ", f);
                put_fish_sq(f, o->help);
                fputc('\n', f);
        }
        for (size_t i = 0; i < n; i++) {
                fputs("complete -c tend -n __tend_no_verb -a ", f);
                put_fish_sq(f, cmds[i].verb);
                fputs(" -d ", f);
                put_fish_sq(f, cmds[i].summary);
                fputc('\n', f);
        }
        for (size_t i = 0; i < n; i++) {
                size_t np = cmd_complete_positional_count(&cmds[i]);

                fprintf(f, "\n# %s\n", cmds[i].verb);
                for (const struct option_help *o = cmds[i].options; o->name; o++) {
                        enum complete_kind k = cmd_complete_option_kind(o);

                        fprintf(f, "complete -c tend -n '__tend_verb %s' -l %s", cmds[i].verb,
                                o->name);
                        if (k == COMPLETE_PATH)
                                fputs(" -r -F", f);
                        else if (o->arg)
                                fputs(" -x", f);
                        if (k == COMPLETE_VALUES)
                                fprintf(f, " -a '%s'", o->values);
                        else if (k == COMPLETE_WHO)
                                fputs(" -a '(__tend_names)'", f);
                        fputs(" -d ", f);
                        put_fish_sq(f, o->help);
                        fputc('\n', f);
                }
                for (size_t k = 0; k < np; k++) {
                        bool rest = false;
                        enum complete_kind kind = cmd_complete_positional_kind(&cmds[i], k, &rest);
                        const char *what = NULL;

                        switch (kind) {
                        case COMPLETE_WHO:
                                what = "'(__tend_names)'";
                                break;
                        case COMPLETE_COMMAND:
                                what = "'(__tend_commands_list)'";
                                break;
                        case COMPLETE_KIND:
                                what = "'" KINDS "'";
                                break;
                        case COMPLETE_PATH:
                                what = "'(__fish_complete_path (commandline -ct))'";
                                break;
                        default:
                                break;
                        }
                        if (!what)
                                continue;
                        fprintf(f, "complete -c tend -n '__tend_pos %s %zu%s' -a %s\n",
                                cmds[i].verb, k, rest ? "+" : "", what);
                }
        }
        fputs("\nfunction __tend_commands_list\n    printf '%s\\n'", f);
        for (size_t i = 0; i < n; i++)
                fprintf(f, " '%s'", cmds[i].verb);
        fputs("\nend\n", f);
}

int cmd_complete_script(const char *shell, FILE *f)
{
        int r = check_table();

        if (r < 0)
                return r;
        if (streq(shell, "bash"))
                script_bash(f);
        else if (streq(shell, "zsh"))
                script_zsh(f);
        else if (streq(shell, "fish"))
                script_fish(f);
        else
                return -EINVAL;
        return 0;
}

/* ---- the hidden verbs ---- */

static json_t *options_json(const struct option_help *opts)
{
        json_t *a = json_array();

        for (const struct option_help *o = opts; a && o->name; o++)
                if (json_array_append_new(a, json_pack("{s:s,s:s?,s:s,s:s?}", "name", o->name,
                                                       "arg", o->arg, "help", o->help, "values",
                                                       o->values)) < 0) {
                        json_decref(a);
                        return NULL;
                }
        return a;
}

static int run_commands(struct cli *cli)
{
        _cleanup_(json_decrefp) json_t *root = NULL;
        json_t *list = json_array();
        size_t n;
        const struct command *cmds = cli_commands(&n);

        root = json_pack("{s:o,s:o,s:s}", "global_options", options_json(cli_global_options()),
                         "commands", list, "kinds", KINDS);
        if (!root)
                return cmd_oom(cli);
        for (size_t i = 0; i < n; i++) {
                json_t *c =
                    json_pack("{s:s,s:s,s:s,s:s?,s:o}", "verb", cmds[i].verb, "args", cmds[i].args,
                              "summary", cmds[i].summary, "description", cmds[i].description,
                              "options", options_json(cmds[i].options));

                if (json_array_append_new(list, c) < 0)
                        return cmd_oom(cli);
        }
        return cli_print_json(cli, root);
}

static bool prefix_matches(const char *name, const char *prefix)
{
        return strncasecmp(name, prefix, strlen(prefix)) == 0;
}

static int run_names(struct cli *cli, int argc, char **argv)
{
        _cleanup_(json_decrefp) json_t *reply = NULL;
        json_t *params, *c;
        const char *prefix = "";
        size_t i;
        int k = 1, r;

        if (k < argc && streq(argv[k], "--"))
                k++;
        if (k < argc)
                prefix = argv[k++];
        if (k < argc)
                return cli_usage(cli, "usage: tend __complete-names [--] [PREFIX]");
        /* A prefix longer than any name matches nothing; do not send it. */
        if (strlen(prefix) > FIELD_NAME_MAX)
                return 0;

        params = json_pack("{s:i}", "limit", COMPLETE_NAMES_MAX);
        if (!params)
                return cmd_oom(cli);
        /* Let the token index narrow the list; the prefix test below decides. */
        if (prefix[0] && text_validate(prefix, FIELD_NAME_MAX, false) >= 0 &&
            json_object_set_new(params, "text", json_string(prefix)) < 0) {
                json_decref(params);
                return cmd_oom(cli);
        }
        r = cli_call(cli, "io.tend.Contacts.List", params, &reply);
        if (r < 0)
                return r;
        json_array_foreach(json_object_get(reply, "contacts"), i, c)
        {
                const char *name = cmd_jstr(c, "name");

                if (!name || !prefix_matches(name, prefix) || strpbrk(name, "\n\r"))
                        continue;
                fprintf(cli->out, "%s\n", name);
        }
        return 0;
}

int cmd_complete_run(struct cli *cli, int argc, char **argv)
{
        int r;

        if (streq(argv[0], "__commands")) {
                if (argc > 1)
                        return cli_usage(cli, "usage: tend __commands");
                return run_commands(cli);
        }
        if (streq(argv[0], "__complete-names"))
                return run_names(cli, argc, argv);
        if (streq(argv[0], "__completion")) {
                if (argc != 2)
                        return cli_usage(cli, "usage: tend __completion bash|zsh|fish");
                r = cmd_complete_script(argv[1], cli->out);
                if (r == -EINVAL)
                        return cli_usage(cli, "unknown shell '%s' (bash, zsh or fish)", argv[1]);
                if (r < 0)
                        return cli_fail(cli, r,
                                        "the command table has a word that is unsafe in "
                                        "a shell script");
                return 0;
        }
        return cli_usage(cli, "unknown command '%s'", argv[0]);
}
