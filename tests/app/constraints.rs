//! The unique constraints that services turn into refusals are recognised by name on both
//! engines (PostgreSQL names the constraint, SQLite lists its columns): each is violated here
//! through the store and must read as itself and as no other (store::Unique).

use induct::services::ServiceError;
use induct::store::{OnConstraint, StoreError, Unique};
use induct_domain::registration::{RegistrationStatus, SchoolStatus};
use induct_domain::{Role, SchoolId};

use crate::helpers::{spawn_app, users::*};

const ALL: [Unique; 4] = [Unique::SchoolUrn, Unique::Username, Unique::OpenRegistrationTrn, Unique::EctTrn];

fn only(e: &StoreError, expected: Unique) {
    for u in ALL {
        assert_eq!(e.violates(u), u == expected, "{e} read as {u:?}");
    }
}

#[tokio::test]
async fn each_named_unique_constraint_is_recognised_on_this_engine() {
    let app = spawn_app().await;
    let tenant = app.tenant("fenland").await;
    let store = app.state.store();
    let now = app.clock.now();
    let schools = store.list_schools(tenant).await.unwrap();
    let school = &schools[0];

    // A second school with an existing URN.
    let mut tx = store.begin().await.unwrap();
    let s = induct::store::schools::NewSchool {
        name: "Copy School",
        urn: &school.urn,
        address: "1 Road",
        postcode: "PE13 1AA",
        contact_email: "copy@example.test",
        contact_phone: "01354 000000",
        status: SchoolStatus::Pending,
    };
    let e = store.create_school(&mut tx, tenant, &s, now).await.unwrap_err();
    only(&e, Unique::SchoolUrn);
    drop(tx);

    // A username that is taken.
    let mut tx = store.begin().await.unwrap();
    let u = induct::store::users::NewUser {
        tenant: Some(tenant),
        username: FEN_TUTOR,
        role: Role::InductionTutor,
        display_name: "Copy",
        email: "copy@example.test",
        password_hash: None,
    };
    let e = store.create_user(&mut tx, &u, now).await.unwrap_err();
    only(&e, Unique::Username);
    drop(tx);
    // on_constraint turns that one violation into the caller's refusal, and passes others on.
    let mut tx = store.begin().await.unwrap();
    let r = store.create_user(&mut tx, &u, now).await.on_constraint(Unique::Username, || ServiceError::NotFound);
    assert!(matches!(r, Err(ServiceError::NotFound)), "{r:?}");
    drop(tx);
    let mut tx = store.begin().await.unwrap();
    let r = store.create_user(&mut tx, &u, now).await.on_constraint(Unique::EctTrn, || ServiceError::NotFound);
    assert!(matches!(r, Err(ServiceError::Store(ref e)) if e.violates(Unique::Username)), "{r:?}");
    drop(tx);

    // A second open registration of a TRN.
    let open = store
        .list_registrations(tenant)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.status == RegistrationStatus::AwaitingHeadSignature)
        .unwrap();
    let tutor = store.find_user_for_login(Some(tenant), FEN_TUTOR).await.unwrap().unwrap();
    let mut tx = store.begin().await.unwrap();
    let reg = induct::store::ects::NewRegistration {
        school: SchoolId(open.school_id),
        kind: "new",
        trn: &open.trn,
        ect_name: "Copy",
        details: "{}",
        ect_user: None,
        registered_by: tutor.user_id(),
    };
    let e = store.create_registration(&mut tx, tenant, &reg, now).await.unwrap_err();
    only(&e, Unique::OpenRegistrationTrn);
    drop(tx);

    // A second ECT with an ECT's TRN.
    let ect = store.find_user_for_login(Some(tenant), FEN_ECT).await.unwrap().unwrap();
    let mut profile = store.get_profile(tenant, ect.user_id()).await.unwrap().unwrap();
    let other = app.create_user("fenland", "199901", Role::Ect, "Copy Ect", "copy.ect@example.test").await;
    profile.user_id = other.0;
    let mut tx = store.begin().await.unwrap();
    let e = store.create_profile(&mut tx, tenant, &profile).await.unwrap_err();
    only(&e, Unique::EctTrn);
}
