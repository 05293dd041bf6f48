//! CORS where there is a cross-origin request to answer: a request that carries `Origin` (every
//! browser's cross-origin fetch and preflight does) goes through actix-cors; one without it (curl, a
//! server, a same-origin navigation) goes straight to the API, with no CORS headers to add.
//!
//! actix-cors boxes a future per request, moves the whole response and adds its `Vary` and
//! `Access-Control-Expose-Headers` to every answer, with an `Origin` or not: beside a bare actix-web
//! handler in `make bench` (whose load sends no `Origin`), that was a measurable part of the API's
//! cost. The API's answers keep `Vary: Origin` either way (the API's [`Guard`](crate::Guard)
//! adds it), so no cache serves an answer made without CORS headers to a browser that needs them.

use std::future::{ready, Ready};
use std::rc::Rc;

use actix_cors::{Cors, CorsMiddleware};
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::header;
use futures::future::{Either, MapOk, TryFutureExt};

/// actix-cors for requests with an `Origin` header only.
pub struct CorsForOrigins(Cors);

impl CorsForOrigins {
    /// Answers requests with an `Origin` as `cors` says.
    pub fn new(cors: Cors) -> Self {
        Self(cors)
    }
}

/// [`CorsForOrigins`] around one service: the service itself, and the CORS layer around it.
pub struct CorsForOriginsMiddleware<S> {
    direct: Rc<S>,
    cors: CorsMiddleware<Rc<S>>,
}

impl<S, B> Transform<S, ServiceRequest> for CorsForOrigins
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    S::Future: 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Transform = CorsForOriginsMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        let direct = Rc::new(service);
        // Cors's own transform is ready at once (a `Ready`): taken here rather than awaited.
        ready(match futures::FutureExt::now_or_never(self.0.new_transform(Rc::clone(&direct))) {
            Some(Ok(cors)) => Ok(CorsForOriginsMiddleware { direct, cors }),
            Some(Err(())) | None => Err(()),
        })
    }
}

impl<S, B> Service<ServiceRequest> for CorsForOriginsMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    S::Future: 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    #[allow(clippy::type_complexity)]
    type Future = Either<
        MapOk<S::Future, fn(ServiceResponse<B>) -> ServiceResponse<EitherBody<B>>>,
        <CorsMiddleware<Rc<S>> as Service<ServiceRequest>>::Future,
    >;

    actix_web::dev::forward_ready!(direct);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        if req.headers().contains_key(header::ORIGIN) {
            Either::Right(self.cors.call(req))
        } else {
            let plain: fn(ServiceResponse<B>) -> ServiceResponse<EitherBody<B>> = ServiceResponse::map_into_left_body;
            Either::Left(self.direct.call(req).map_ok(plain))
        }
    }
}
