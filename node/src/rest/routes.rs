//! The REST routes and how one is matched: the Cosmos SDK's, read from the
//! `google.api.http` options of the Cosmos services' descriptors (as grpc-gateway
//! does), and `/weave/<module>/v1/<method>` for each Weave module query.

use prost_reflect::{DescriptorPool, MessageDescriptor, MethodDescriptor, Value};

/// One segment of a route's path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Segment {
    /// Must equal the request's segment.
    Literal(String),
    /// Sets the (dotted) field from one segment: `{address}`.
    Field(String),
    /// Sets the field from the rest of the path: `{denom=**}`.
    Rest(String),
}

/// Where a request's body goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum BodyRule {
    /// No body: every field comes from the path and the query string.
    None,
    /// The body is the whole request message (`body: "*"`).
    All,
    /// The body is one field of it.
    Field(String),
}

/// A REST route: an HTTP method and path template, answered by one gRPC method.
#[derive(Debug, Clone)]
pub(super) struct Route {
    pub(super) method: axum::http::Method,
    pub(super) segments: Vec<Segment>,
    pub(super) body: BodyRule,
    /// `/<package>.<Service>/<Method>`.
    pub(super) grpc_path: String,
    pub(super) input: MessageDescriptor,
    pub(super) output: MessageDescriptor,
}

/// A route that matched, with the values its path fields took.
pub(super) struct Matched<'a> {
    pub(super) route: &'a Route,
    pub(super) fields: Vec<(String, String)>,
}

/// Why no route answers a request.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum NoRoute {
    /// No route has this path.
    NotFound,
    /// Some route has this path, with another method.
    MethodNotAllowed,
}

impl Route {
    fn new(
        method: axum::http::Method,
        template: &str,
        body: BodyRule,
        grpc: &MethodDescriptor,
    ) -> Result<Self, String> {
        Ok(Self {
            method,
            segments: parse_template(template)?,
            body,
            grpc_path: format!("/{}/{}", grpc.parent_service().full_name(), grpc.name()),
            input: grpc.input(),
            output: grpc.output(),
        })
    }

    /// The path fields, if `path` (split at `/`) fits this route.
    fn fit(&self, path: &[&str]) -> Option<Vec<(String, String)>> {
        let mut fields = Vec::new();
        let mut rest = path;
        for (i, segment) in self.segments.iter().enumerate() {
            match segment {
                Segment::Literal(l) => {
                    let (first, tail) = rest.split_first()?;
                    if first != l {
                        return None;
                    }
                    rest = tail;
                }
                Segment::Field(f) => {
                    let (first, tail) = rest.split_first()?;
                    if first.is_empty() {
                        return None;
                    }
                    fields.push((f.clone(), (*first).to_string()));
                    rest = tail;
                }
                Segment::Rest(f) => {
                    // `**` takes what is left, and only a last segment may be one.
                    if i + 1 != self.segments.len() || rest.is_empty() {
                        return None;
                    }
                    fields.push((f.clone(), rest.join("/")));
                    rest = &[];
                }
            }
        }
        rest.is_empty().then_some(fields)
    }

    fn literals(&self) -> usize {
        self.segments
            .iter()
            .filter(|s| matches!(s, Segment::Literal(_)))
            .count()
    }
}

/// `/cosmos/bank/v1beta1/balances/{address}/by_denom` as segments. A variable is
/// `{field}`, `{field=*}` or (last only) `{field=**}`.
fn parse_template(template: &str) -> Result<Vec<Segment>, String> {
    let path = template
        .strip_prefix('/')
        .ok_or_else(|| format!("route {template:?} does not start with /"))?;
    path.split('/')
        .map(
            |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(var) => match var.split_once('=') {
                    None | Some((_, "*")) => Ok(Segment::Field(
                        var.split_once('=').map_or(var, |(f, _)| f).to_string(),
                    )),
                    Some((field, "**")) => Ok(Segment::Rest(field.to_string())),
                    Some(_) => Err(format!("route {template:?}: unsupported variable {s}")),
                },
                None if s.is_empty() || s.contains(['{', '}']) => {
                    Err(format!("route {template:?}: bad segment {s:?}"))
                }
                None => Ok(Segment::Literal(s.to_string())),
            },
        )
        .collect()
}

/// Every route: the `google.api.http` bindings of each Cosmos service in
/// `cosmos_services`, then `GET` and `POST /weave/<module>/v1/<method>` (the method in
/// snake case) for each Weave service in `weave_services`.
pub(super) fn build(
    pool: &DescriptorPool,
    cosmos_services: &[&str],
    weave_services: &[String],
) -> Result<Vec<Route>, String> {
    let http = pool
        .get_extension_by_name("google.api.http")
        .ok_or("the descriptors carry no google.api.http option")?;
    let mut routes = Vec::new();
    for name in cosmos_services {
        let service = pool
            .get_service_by_name(name)
            .ok_or_else(|| format!("no descriptor for {name}"))?;
        for method in service.methods() {
            let options = method.options();
            if !options.has_extension(&http) {
                continue;
            }
            if let Value::Message(rule) = options.get_extension(&http).as_ref() {
                bindings(rule, &method, &mut routes)?;
            }
        }
    }
    for name in weave_services {
        let service = pool
            .get_service_by_name(name)
            .ok_or_else(|| format!("no descriptor for {name}"))?;
        let (module, version) = weave_module(name)
            .ok_or_else(|| format!("{name} is not weave.<module>.<version>.Query"))?;
        for method in service.methods() {
            let template = format!("/weave/{module}/{version}/{}", snake_case(method.name()));
            routes.push(Route::new(
                axum::http::Method::GET,
                &template,
                BodyRule::None,
                &method,
            )?);
            routes.push(Route::new(
                axum::http::Method::POST,
                &template,
                BodyRule::All,
                &method,
            )?);
        }
    }
    Ok(routes)
}

/// The routes of one `google.api.HttpRule` and its additional bindings.
fn bindings(
    rule: &prost_reflect::DynamicMessage,
    method: &MethodDescriptor,
    routes: &mut Vec<Route>,
) -> Result<(), String> {
    let text = |field: &str| match rule.get_field_by_name(field).as_deref() {
        Some(Value::String(s)) if rule.has_field_by_name(field) => Some(s.clone()),
        _ => None,
    };
    let body = match text("body").as_deref() {
        None | Some("") => BodyRule::None,
        Some("*") => BodyRule::All,
        Some(field) => BodyRule::Field(field.to_string()),
    };
    for (field, verb) in [
        ("get", axum::http::Method::GET),
        ("post", axum::http::Method::POST),
        ("put", axum::http::Method::PUT),
        ("delete", axum::http::Method::DELETE),
        ("patch", axum::http::Method::PATCH),
    ] {
        if let Some(template) = text(field) {
            routes.push(Route::new(verb, &template, body.clone(), method)?);
        }
    }
    if let Some(Value::List(more)) = rule.get_field_by_name("additional_bindings").as_deref() {
        for binding in more {
            if let Value::Message(binding) = binding {
                bindings(binding, method, routes)?;
            }
        }
    }
    Ok(())
}

/// `("bank", "v1")` for `weave.bank.v1.Query`.
fn weave_module(service: &str) -> Option<(&str, &str)> {
    let mut parts = service.split('.');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some("weave"), Some(module), Some(version), Some(_)) => Some((module, version)),
        _ => None,
    }
}

/// `ModuleAccount` → `module_account`.
pub(super) fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The route for `method` and `path`. Of the routes that fit, the one with the most
/// literal segments wins (`/blocks/latest` before `/blocks/{height}`).
pub(super) fn find<'a>(
    routes: &'a [Route],
    method: &axum::http::Method,
    path: &str,
) -> Result<Matched<'a>, NoRoute> {
    let trimmed = path.trim_end_matches('/');
    let parts: Vec<&str> = trimmed
        .strip_prefix('/')
        .unwrap_or(trimmed)
        .split('/')
        .collect();
    let mut path_known = false;
    let mut best: Option<Matched<'a>> = None;
    for route in routes {
        let Some(fields) = route.fit(&parts) else {
            continue;
        };
        path_known = true;
        if route.method != *method {
            continue;
        }
        if best
            .as_ref()
            .is_none_or(|b| route.literals() > b.route.literals())
        {
            best = Some(Matched { route, fields });
        }
    }
    match best {
        Some(m) => Ok(m),
        None if path_known => Err(NoRoute::MethodNotAllowed),
        None => Err(NoRoute::NotFound),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::descriptors::{pool, COSMOS_SERVICES};

    fn routes() -> Vec<Route> {
        build(
            pool().expect("pool"),
            &COSMOS_SERVICES,
            &["weave.bank.v1.Query".to_string()],
        )
        .expect("routes")
    }

    #[test]
    fn templates_parse() {
        assert_eq!(
            parse_template("/cosmos/bank/v1beta1/balances/{address}/by_denom").expect("ok"),
            vec![
                Segment::Literal("cosmos".into()),
                Segment::Literal("bank".into()),
                Segment::Literal("v1beta1".into()),
                Segment::Literal("balances".into()),
                Segment::Field("address".into()),
                Segment::Literal("by_denom".into()),
            ]
        );
        assert_eq!(
            parse_template("/a/{denom=**}").expect("rest"),
            vec![Segment::Literal("a".into()), Segment::Rest("denom".into())]
        );
        assert!(parse_template("a/b").is_err());
        assert!(parse_template("/a/{x=y/*}").is_err());
    }

    #[test]
    fn the_cosmos_routes_wallets_call_are_there() {
        let routes = routes();
        for (method, path, grpc) in [
            (
                axum::http::Method::GET,
                "/cosmos/auth/v1beta1/accounts/weave1abc",
                "/cosmos.auth.v1beta1.Query/Account",
            ),
            (
                axum::http::Method::GET,
                "/cosmos/bank/v1beta1/balances/weave1abc",
                "/cosmos.bank.v1beta1.Query/AllBalances",
            ),
            (
                axum::http::Method::GET,
                "/cosmos/bank/v1beta1/balances/weave1abc/by_denom",
                "/cosmos.bank.v1beta1.Query/Balance",
            ),
            (
                axum::http::Method::POST,
                "/cosmos/tx/v1beta1/txs",
                "/cosmos.tx.v1beta1.Service/BroadcastTx",
            ),
            (
                axum::http::Method::GET,
                "/cosmos/tx/v1beta1/txs",
                "/cosmos.tx.v1beta1.Service/GetTxsEvent",
            ),
            (
                axum::http::Method::GET,
                "/cosmos/tx/v1beta1/txs/ABCD",
                "/cosmos.tx.v1beta1.Service/GetTx",
            ),
            (
                axum::http::Method::POST,
                "/cosmos/tx/v1beta1/simulate",
                "/cosmos.tx.v1beta1.Service/Simulate",
            ),
            (
                axum::http::Method::GET,
                "/cosmos/base/tendermint/v1beta1/blocks/latest",
                "/cosmos.base.tendermint.v1beta1.Service/GetLatestBlock",
            ),
            (
                axum::http::Method::GET,
                "/cosmos/base/tendermint/v1beta1/blocks/7",
                "/cosmos.base.tendermint.v1beta1.Service/GetBlockByHeight",
            ),
            (
                axum::http::Method::GET,
                "/weave/bank/v1/module_account/",
                "/weave.bank.v1.Query/ModuleAccount",
            ),
            (
                axum::http::Method::POST,
                "/weave/bank/v1/total_supply",
                "/weave.bank.v1.Query/TotalSupply",
            ),
        ] {
            let m = find(&routes, &method, path).unwrap_or_else(|e| panic!("{path}: {e:?}"));
            assert_eq!(m.route.grpc_path, grpc, "{path}");
        }
        let m = find(
            &routes,
            &axum::http::Method::GET,
            "/cosmos/bank/v1beta1/balances/weave1abc/by_denom",
        )
        .unwrap_or_else(|e| panic!("by denom: {e:?}"));
        assert_eq!(m.fields, vec![("address".into(), "weave1abc".into())]);
        assert_eq!(
            find(&routes, &axum::http::Method::GET, "/cosmos/nothing").err(),
            Some(NoRoute::NotFound)
        );
        assert_eq!(
            find(
                &routes,
                &axum::http::Method::DELETE,
                "/cosmos/tx/v1beta1/txs"
            )
            .err(),
            Some(NoRoute::MethodNotAllowed)
        );
    }

    #[test]
    fn method_names_become_snake_case() {
        assert_eq!(snake_case("ModuleAccount"), "module_account");
        assert_eq!(snake_case("Params"), "params");
        assert_eq!(weave_module("weave.bank.v1.Query"), Some(("bank", "v1")));
        assert_eq!(weave_module("cosmos.bank.v1beta1.Query"), None);
    }
}
