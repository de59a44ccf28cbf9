# 3os agent: move a staged config into the target root, all or nothing.
# Sourced by 3os-agent.sh. Phase 1 writes every file next to its target as NAME.3os-new (the
# step that can fail: full disk, a path component that is a file, an unknown owner); on any
# failure every .3os-new and every directory phase 1 created is removed and nothing changed.
# Phase 2 renames the .3os-new files over their targets (rename(2) within one directory) and
# removes the files the config turned off.

commit_stage() {
  _new="$STAGE/new.list"; _mk="$STAGE/mkdir.list"; : >"$_new"; : >"$_mk"
  if ! commit_phase1; then
    while IFS= read -r _f; do rm -f "$_f"; done <"$_new"
    # created directories, deepest first
    sort -r "$_mk" | while IFS= read -r _d; do rm -rf "$_d"; done
    return 1
  fi
  while IFS="$TAB" read -r _k _p _a _b; do
    _dst=$(R "$_p")
    case $_k in
      F|L) mv -fT "$_dst.3os-new" "$_dst" || { add_err "$_p: could not be moved into place"; return 1; } ;;
      R) rm -f "$_dst" ;;
    esac
  done <"$STAGE/manifest.f"
  sync 2>/dev/null || :
  no_errs
}

# mkdirs DIR: create DIR and its parents, remembering the ones that did not exist.
mkdirs() {
  _m=$1; _todo=''
  while [ -n "$_m" ] && [ ! -d "$_m" ]; do
    [ -e "$_m" ] && { add_err "${_m#"${ROOT%/}"}: exists and is not a directory"; return 1; }
    _todo="$_m
$_todo"; _m=${_m%/*}
  done
  printf '%s' "$_todo" | while IFS= read -r _m; do
    [ -n "$_m" ] || continue
    mkdir "$_m" || exit 1
    printf '%s\n' "$_m" >>"$_mk"
  done
}

commit_phase1() {
  while IFS="$TAB" read -r _k _p _mode _own; do
    _dst=$(R "$_p")
    mkdirs "$_dst" || return 1
    chmod "$_mode" "$_dst" && chown "$_own" "$_dst" || { add_err "$_p: cannot set mode/owner"; return 1; }
  done <"$STAGE/manifest.d"
  while IFS="$TAB" read -r _k _p _a _b; do
    _dst=$(R "$_p")
    case $_k in R) continue ;; esac
    mkdirs "${_dst%/*}" || return 1
    [ -d "$_dst" ] && [ ! -L "$_dst" ] && { add_err "$_p: is a directory"; return 1; }
    printf '%s\n' "$_dst.3os-new" >>"$_new"
    rm -f "$_dst.3os-new"
    case $_k in
      F) cp "$(T "$_p")" "$_dst.3os-new" && chmod "$_a" "$_dst.3os-new" && chown "$_b" "$_dst.3os-new" ;;
      L) ln -s "$_a" "$_dst.3os-new" ;;
    esac || { add_err "$_p: cannot be written"; return 1; }
  done <"$STAGE/manifest.f"
}
