//! The first layer around every route: refuses a request over the size limits before anything
//! else looks at it, and gives every answer, refusals included, the fixed headers it lacks.
//!
//! One hand-written layer instead of three of actix's (`from_fn` for the limits, `DefaultHeaders`
//! for the headers, twice on the API): every layer moves the whole response on its way out, and
//! `from_fn` boxes a future per request. Beside a bare actix-web handler in `make bench`, that was
//! a measurable part of the API's cost.

use std::future::{ready, Future, Ready};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use futures::future::Either;

use crate::{MAX_BODY_BYTES, MAX_HEADER_BYTES};

/// The limits, and the headers every answer gets when it has none of that name.
#[derive(Debug, Clone)]
pub struct Guard {
    headers: Rc<[(HeaderName, HeaderValue)]>,
}

impl Guard {
    /// The limits, and `X-Content-Type-Options: nosniff`: what every route of this server has.
    pub fn new() -> Self {
        Self::with(&[(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"))])
    }

    /// The limits, and exactly these headers.
    pub fn with(headers: &[(HeaderName, HeaderValue)]) -> Self {
        Self { headers: headers.into() }
    }

    /// The same, and one more header.
    pub fn and(self, name: HeaderName, value: HeaderValue) -> Self {
        Self { headers: self.headers.iter().cloned().chain([(name, value)]).collect() }
    }
}

impl Default for Guard {
    fn default() -> Self {
        Self::new()
    }
}

/// [`Guard`] around one service.
pub struct GuardMiddleware<S> {
    service: S,
    headers: Rc<[(HeaderName, HeaderValue)]>,
}

impl<S, B> Transform<S, ServiceRequest> for Guard
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Transform = GuardMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(GuardMiddleware { service, headers: self.headers.clone() }))
    }
}

impl<S, B> Service<ServiceRequest> for GuardMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Future = Either<Ready<Result<Self::Response, Self::Error>>, Guarded<S::Future>>;

    actix_web::dev::forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        match over_limits(req.headers()) {
            Some(refusal) => {
                let mut refused = req.into_response(refusal);
                add_missing(refused.headers_mut(), &self.headers);
                Either::Left(ready(Ok(refused.map_into_right_body())))
            }
            None => Either::Right(Guarded { answer: self.service.call(req), headers: self.headers.clone() }),
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
