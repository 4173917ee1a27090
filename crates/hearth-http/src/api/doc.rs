//! Routes and their OpenAPI description, registered together.
//!
//! Every `/api/v1` route is added through [`Api`], which takes the handler and its
//! [`Doc`] in one call, so the document at `/api/v1/openapi.json` lists exactly the
//! routes the router serves: an undocumented route cannot be written.

use axum::Router;
use axum::handler::Handler;
use axum::routing::{MethodRouter, delete, get, patch, post, put};
use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, Paths, Ref, Required,
    Schema, ServerBuilder,
};

use crate::AppState;

/// What the document says about one operation.
#[derive(Debug, Clone, Copy)]
pub struct Doc {
    tag: &'static str,
    summary: &'static str,
    /// The status of success.
    ok: u16,
    /// The media type of a successful answer; `None` for no body.
    produces: Option<&'static str>,
    /// The media type of the body the operation takes, if any.
    body: Option<&'static str>,
    /// Optional query parameters.
    query: &'static [&'static str],
    /// Needs no credentials.
    public: bool,
}

/// An operation of `tag` answering 200 with JSON and taking no body.
pub const fn doc(tag: &'static str, summary: &'static str) -> Doc {
    Doc {
        tag,
        summary,
        ok: 200,
        produces: Some("application/json"),
        body: None,
        query: &[],
        public: false,
    }
}

impl Doc {
    /// Takes a JSON object body.
    pub const fn body(mut self) -> Doc {
        self.body = Some("application/json");
        self
    }

    /// Takes a body of `media` (a string of bytes, not JSON).
    pub const fn body_of(mut self, media: &'static str) -> Doc {
        self.body = Some(media);
        self
    }

    /// Answers `status` on success.
    pub const fn ok(mut self, status: u16) -> Doc {
        self.ok = status;
        self
    }

    /// Answers with no body on success.
    pub const fn empty(mut self) -> Doc {
        self.produces = None;
        self
    }

    /// Answers with `media` on success.
    pub const fn produces(mut self, media: &'static str) -> Doc {
        self.produces = Some(media);
        self
    }

    /// Needs no credentials (Gladly's public answers).
    pub const fn public(mut self) -> Doc {
        self.public = true;
        self
    }

    /// Takes these optional query parameters.
    pub const fn query(mut self, names: &'static [&'static str]) -> Doc {
        self.query = names;
        self
    }
}

/// A router and the paths of its description, built together. Adapters outside
/// this crate (the channels) add their routes with it, so they are documented too.
pub struct Api {
    router: Router<AppState>,
    paths: Paths,
}

macro_rules! method {
    ($name:ident, $routing:ident, $http:ident) => {
        pub fn $name<H, T>(self, path: &str, handler: H, doc: Doc) -> Api
        where
            H: Handler<T, AppState>,
            T: 'static,
        {
            self.add(
                path,
                HttpMethod::$http,
                stringify!($name),
                $routing(handler),
                doc,
            )
        }
    };
}

impl std::fmt::Debug for Api {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let paths: Vec<&String> = self.paths.paths.keys().collect();
        f.debug_struct("Api").field("paths", &paths).finish()
    }
}

impl Api {
    #[allow(clippy::new_without_default)]
    pub fn new() -> Api {
        Api {
            router: Router::new(),
            paths: Paths::new(),
        }
    }

    method!(get, get, Get);
    method!(post, post, Post);
    method!(put, put, Put);
    method!(patch, patch, Patch);
    method!(delete, delete, Delete);

    /// A GET that pages on other sites may call: it also takes the browser's CORS
    /// preflight (an OPTIONS the router's own 405 would otherwise refuse before a
    /// CORS layer saw it).
    pub fn get_from_anywhere<H, T>(self, path: &str, handler: H, doc: Doc) -> Api
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let route = get(handler).options(|| async { axum::http::StatusCode::NO_CONTENT });
        self.add(path, HttpMethod::Get, "get", route, doc)
    }

    fn add(
        mut self,
        path: &str,
        method: HttpMethod,
        verb: &str,
        route: MethodRouter<AppState>,
        doc: Doc,
    ) -> Api {
        self.router = self.router.route(path, route);
        self.paths
            .add_path_operation(path, vec![method], operation(path, verb, doc));
        self
    }

    /// Wraps every route added so far in `layer` (CORS on the public routes).
    pub fn layer<L>(mut self, layer: L) -> Api
    where
        L: tower::Layer<axum::routing::Route> + Clone + Send + Sync + 'static,
        L::Service: tower::Service<axum::extract::Request> + Clone + Send + Sync + 'static,
        <L::Service as tower::Service<axum::extract::Request>>::Response:
            axum::response::IntoResponse + 'static,
        <L::Service as tower::Service<axum::extract::Request>>::Error:
            Into<std::convert::Infallible> + 'static,
        <L::Service as tower::Service<axum::extract::Request>>::Future: Send + 'static,
    {
        self.router = self.router.layer(layer);
        self
    }

    /// Adds every route and path of `other`.
    pub fn merge(mut self, other: Api) -> Api {
        self.router = self.router.merge(other.router);
        self.paths.merge(other.paths);
        self
    }

    pub(crate) fn into_parts(self) -> (Router<AppState>, Paths) {
        (self.router, self.paths)
    }
}

fn string() -> Schema {
    ObjectBuilder::new().schema_type(Type::String).into()
}

fn any_object() -> Schema {
    ObjectBuilder::new().schema_type(Type::Object).into()
}

fn operation(path: &str, verb: &str, doc: Doc) -> utoipa::openapi::path::Operation {
    let id = format!(
        "{verb}{}",
        path.replace(['{', '}'], "").replace(['/', '-'], "_")
    );
    let mut op = OperationBuilder::new()
        .tag(doc.tag)
        .summary(Some(doc.summary))
        .operation_id(Some(id));
    for name in path_params(path) {
        op = op.parameter(
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .schema(Some(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .min_length(Some(1))
                        // File ids are SHA-256 in hex; every other id is at most 50.
                        .max_length(Some(if name == "file_id" { 64 } else { 50 }))
                        .pattern(Some("^[A-Za-z0-9_.~-]+$")),
                )),
        );
    }
    for name in doc.query {
        op = op.parameter(
            ParameterBuilder::new()
                .name(*name)
                .parameter_in(ParameterIn::Query)
                .required(Required::False)
                .schema(Some(string())),
        );
    }
    if let Some(media) = doc.body {
        let schema = if media == "application/json" {
            any_object()
        } else {
            string()
        };
        op = op.request_body(Some(
            RequestBodyBuilder::new()
                .required(Some(Required::True))
                .content(media, ContentBuilder::new().schema(Some(schema)).build())
                .build(),
        ));
    }
    if doc.public {
        op = op.securities(Some(Vec::<SecurityRequirement>::new()));
    }
    let mut ok = ResponseBuilder::new().description("Success");
    if let Some(media) = doc.produces {
        ok = ok.content(media, ContentBuilder::new().build());
    }
    op = op.response(doc.ok.to_string(), ok.build());
    for (status, what) in [
        ("400", "The request is invalid or the state forbids it"),
        ("401", "Missing or wrong credentials"),
        ("403", "The caller's roles do not allow this"),
        ("404", "No such resource"),
        ("409", "Conflict: the id is taken or the resource changed"),
        ("413", "The body is too large"),
        ("429", "Too many requests for this credential"),
    ] {
        op = op.response(
            status,
            ResponseBuilder::new()
                .description(what)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Errors")))
                        .build(),
                )
                .build(),
        );
    }
    op.build()
}

/// The `{name}` segments of a route path.
fn path_params(path: &str) -> Vec<&str> {
    path.split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .collect()
}

/// The whole document for `paths`, which sit under `/api/v1`.
pub(crate) fn document(paths: Paths) -> OpenApi {
    let error = ObjectBuilder::new()
        .schema_type(Type::Object)
        .property("attr", string())
        .property("code", string())
        .property("detail", string())
        .property("meta", any_object())
        .required("code");
    let errors = ObjectBuilder::new()
        .schema_type(Type::Object)
        .property("errors", ArrayBuilder::new().items(error))
        .required("errors");
    let components = ComponentsBuilder::new()
        .schema("Errors", errors)
        .security_scheme(
            "basic",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Basic)),
        )
        .build();
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("Hearth API")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "Gladly's REST API v1 dialect plus Hearth's agent, administration, \
                     webhook, export and report endpoints. Authenticate with HTTP Basic: \
                     an agent's email and one of its API tokens.",
                )),
        )
        .servers(Some([ServerBuilder::new().url("/api/v1").build()]))
        .paths(paths)
        .components(Some(components))
        .security(Some([SecurityRequirement::new(
            "basic",
            Vec::<String>::new(),
        )]))
        .build()
}
