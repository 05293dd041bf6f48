//! The first layer around every route: refuses a request over the size limits before anything
//! else looks at it, and gives every answer, refusals included, the fixed headers it lacks.
//!
//! One hand-written layer instead of three of actix's (`from_fn` for the limits, `DefaultHeaders`
//! for the headers, twice on the API): every layer moves the whole response on its way out, and
//! `from_fn` boxes a future per request. Beside a bare actix-web handler in `make bench`, that was
//! a measurable part of the API's cost.
//!
//! On the API the same layer also holds actix-cors, and hands it only the requests that carry
//! `Origin` (every browser's cross-origin fetch and preflight does). One without it (curl, a server)
//! goes straight to the route: actix-cors, as a layer of its own, boxed a future, moved the whole
//! response again and added its `Vary` and `Access-Control-Expose-Headers` to every answer, `Origin`
//! or not (removing that layer and this one's separate wrapping was ~4 % of the API's throughput
//! beside the bare handler). The API's answers keep `Vary: Origin` either way, a header of the
//! guard's, so no cache serves an answer made without CORS headers to a browser that needs them.

use std::future::{ready, Future, Ready};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use actix_cors::{Cors, CorsMiddleware};
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use futures::future::{Either, FutureExt, LocalBoxFuture};

use crate::{MAX_BODY_BYTES, MAX_HEADER_BYTES};

/// The limits, and the headers every answer gets when it has none of that name; on the API, CORS
/// for the requests that carry `Origin`.
#[derive(Debug, Clone)]
pub struct Guard {
    headers: Rc<[(HeaderName, HeaderValue)]>,
    cors: Option<Rc<Cors>>,
}

impl Guard {
    /// The limits, and `X-Content-Type-Options: nosniff`: what every route of this server has.
    pub fn new() -> Self {
        Self::with(&[(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"))])
    }

    /// The limits, and exactly these headers.
    pub fn with(headers: &[(HeaderName, HeaderValue)]) -> Self {
        Self { headers: headers.into(), cors: None }
    }

    /// The same, and one more header.
    pub fn and(self, name: HeaderName, value: HeaderValue) -> Self {
        Self { headers: self.headers.iter().cloned().chain([(name, value)]).collect(), cors: self.cors }
    }

    /// The same, with `cors` answering the requests that carry `Origin`.
    pub fn cors(self, cors: Cors) -> Self {
        Self { cors: Some(Rc::new(cors)), ..self }
    }
}

impl Default for Guard {
    fn default() -> Self {
        Self::new()
    }
}

/// [`Guard`] around one service (and, with CORS, the CORS layer around the same service).
pub struct GuardMiddleware<S> {
    service: Rc<S>,
    cors: Option<CorsMiddleware<Rc<S>>>,
    headers: Rc<[(HeaderName, HeaderValue)]>,
}

/// What the guard answers: the route's body, or its own refusal.
type Answer<B> = Result<ServiceResponse<EitherBody<B>>, actix_web::Error>;

impl<S, B> Transform<S, ServiceRequest> for Guard
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    S::Future: 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Transform = GuardMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        let service = Rc::new(service);
        // actix-cors's own transform is ready at once (a `Ready`): taken here, not awaited.
        let cors = match &self.cors {
            Some(cors) => match cors.new_transform(Rc::clone(&service)).now_or_never() {
                Some(Ok(cors)) => Some(cors),
                Some(Err(())) | None => return ready(Err(())),
            },
            None => None,
        };
        ready(Ok(GuardMiddleware { service, cors, headers: self.headers.clone() }))
    }
}

impl<S, B> Service<ServiceRequest> for GuardMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    S::Future: 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Future = Either<Ready<Answer<B>>, Either<Guarded<S::Future>, LocalBoxFuture<'static, Answer<B>>>>;

    actix_web::dev::forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        match over_limits(req.headers()) {
            Some(refusal) => {
                let mut refused = req.into_response(refusal);
                add_missing(refused.headers_mut(), &self.headers);
                Either::Left(ready(Ok(refused.map_into_right_body())))
            }
            None => match &self.cors {
                Some(cors) if req.headers().contains_key(header::ORIGIN) => {
                    let (answer, headers) = (cors.call(req), self.headers.clone());
                    Either::Right(Either::Right(Box::pin(async move {
                        // actix-cors's answer has the guard's own body type: the route's, or a refusal.
                        let mut answer = answer.await?;
                        add_missing(answer.headers_mut(), &headers);
                        Ok(answer)
                    })))
                }
                _ => Either::Right(Either::Left(Guarded {
                    answer: self.service.call(req),
                    headers: self.headers.clone(),
                })),
            },
        }
    }
}

pin_project_lite::pin_project! {
    /// The inner service's answer, given the headers it lacks.
    pub struct Guarded<F> {
        #[pin]
        answer: F,
        headers: Rc<[(HeaderName, HeaderValue)]>,
    }
}

impl<F, B> Future for Guarded<F>
where
    F: Future<Output = Result<ServiceResponse<B>, actix_web::Error>>,
{
    type Output = Result<ServiceResponse<EitherBody<B>>, actix_web::Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        this.answer.poll(cx).map_ok(|mut answer| {
            add_missing(answer.headers_mut(), this.headers);
            answer.map_into_left_body()
        })
    }
}

/// Adds each of `headers` that `to` has none of.
fn add_missing(to: &mut HeaderMap, headers: &[(HeaderName, HeaderValue)]) {
    for (name, value) in headers {
        if !to.contains_key(name) {
            to.insert(name.clone(), value.clone());
        }
    }
}

/// `431` for headers over [`MAX_HEADER_BYTES`], `413` for a declared body over [`MAX_BODY_BYTES`];
/// both close the connection.
fn over_limits(headers: &HeaderMap) -> Option<HttpResponse> {
    let head: usize = headers.iter().map(|(name, value)| name.as_str().len() + value.len()).sum();
    let declared =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    let status = if head > MAX_HEADER_BYTES {
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE
    } else if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
        StatusCode::PAYLOAD_TOO_LARGE
    } else {
        return None;
    };
    Some(HttpResponse::build(status).insert_header((header::CONNECTION, HeaderValue::from_static("close"))).finish())
}
