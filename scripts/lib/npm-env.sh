# Sourced by install steps that nest npm. An outer `npm run` (npm test, npm start) exports its own
# configuration as npm_* variables: npm_config_user_agent names the outer Node, npm_config_prefix
# and npm_config_nodedir point at the outer Node's files. A nested npm running on another Node (24)
# reads them as its own, and postinstall scripts such as code-server's then judge the wrong Node.
# without_outer_npm runs a command with none of them, exactly as when the step is run by hand.
without_outer_npm() {
  local name
  local unset_args=()
  while IFS= read -r name; do
    unset_args+=(-u "$name")
  done < <(compgen -e | grep -E '^(npm_|NODE$|INIT_CWD$)')
  env "${unset_args[@]}" "$@"
}
