//! Hand-written row types in the shape of the v1.0 `devices`, `dates` and `mamCheckins`
//! collections (as the generator will emit them), for testing the runtime on its own.

use intune_dw_client::query::{DateKeyed, EntitySet, Field, RowLastModified};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// A row struct, its field enum, and the `Field` / `EntitySet` impls.
macro_rules! entity_set {
    (
        $row:ident, $field:ident, $set:literal, [$($key:literal),*],
        { $($(#[$attr:meta])* $name:ident: $ty:ty => $wire:literal as $variant:ident),* $(,)? }
    ) => {
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        pub struct $row {
            $( $(#[$attr])* #[serde(rename = $wire)] pub $name: $ty, )*
        }

        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $field { $($variant),* }

        impl Field for $field {
            const ALL: &'static [(Self, &'static str)] = &[$(($field::$variant, $wire)),*];
        }

        impl EntitySet for $row {
            const NAME: &'static str = $set;
            const KEY: &'static [&'static str] = &[$($key),*];
            type Field = $field;
        }
    };
}

entity_set!(Device, DeviceField, "devices", ["deviceKey"], {
    device_key: i32 => "deviceKey" as DeviceKey,
    device_id: Option<String> => "deviceId" as DeviceId,
    device_name: Option<String> => "deviceName" as DeviceName,
    device_type_key: i32 => "deviceTypeKey" as DeviceTypeKey,
    device_registration_state_key: i32 => "deviceRegistrationStateKey" as DeviceRegistrationStateKey,
    owner_type_key: i32 => "ownerTypeKey" as OwnerTypeKey,
    #[serde(with = "time::serde::rfc3339::option")]
    enrolled_date_time: Option<OffsetDateTime> => "enrolledDateTime" as EnrolledDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    last_sync_date_time: Option<OffsetDateTime> => "lastSyncDateTime" as LastSyncDateTime,
    management_agent_key: i32 => "managementAgentKey" as ManagementAgentKey,
    management_state_key: i32 => "managementStateKey" as ManagementStateKey,
    azure_ad_device_id: Option<String> => "azureADDeviceId" as AzureAdDeviceId,
    azure_ad_registered: Option<bool> => "azureADRegistered" as AzureAdRegistered,
    device_category_key: i32 => "deviceCategoryKey" as DeviceCategoryKey,
    device_enrollment_type_key: i32 => "deviceEnrollmentTypeKey" as DeviceEnrollmentTypeKey,
    compliance_state_key: i32 => "complianceStateKey" as ComplianceStateKey,
    os_version: Option<String> => "osVersion" as OsVersion,
    eas_device_id: Option<String> => "easDeviceId" as EasDeviceId,
    serial_number: Option<String> => "serialNumber" as SerialNumber,
    user_id: Option<String> => "userId" as UserId,
    #[serde(with = "time::serde::rfc3339")]
    row_last_modified_date_time_utc: OffsetDateTime => "rowLastModifiedDateTimeUTC" as RowLastModifiedDateTimeUtc,
    manufacturer: Option<String> => "manufacturer" as Manufacturer,
    model: Option<String> => "model" as Model,
    operating_system: Option<String> => "operatingSystem" as OperatingSystem,
    is_deleted: bool => "isDeleted" as IsDeleted,
    android_security_patch_level: Option<String> => "androidSecurityPatchLevel" as AndroidSecurityPatchLevel,
    meid: Option<String> => "meid" as Meid,
    is_supervised: Option<i32> => "isSupervised" as IsSupervised,
    free_storage_space_in_bytes: Option<i64> => "freeStorageSpaceInBytes" as FreeStorageSpaceInBytes,
    total_storage_space_in_bytes: Option<i64> => "totalStorageSpaceInBytes" as TotalStorageSpaceInBytes,
    encryption_state: Option<i32> => "encryptionState" as EncryptionState,
    subscriber_carrier: Option<String> => "subscriberCarrier" as SubscriberCarrier,
    phone_number: Option<String> => "phoneNumber" as PhoneNumber,
    imei: Option<String> => "imei" as Imei,
    cellular_technology: Option<String> => "cellularTechnology" as CellularTechnology,
    wi_fi_mac_address: Option<String> => "wiFiMacAddress" as WiFiMacAddress,
    ethernet_mac_address: Option<String> => "ethernetMacAddress" as EthernetMacAddress,
    office365_version: Option<String> => "office365Version" as Office365Version,
    windows_os_edition: Option<String> => "windowsOsEdition" as WindowsOsEdition,
    primary_user: Option<String> => "primaryUser" as PrimaryUser,
    iccid: Option<String> => "iccid" as Iccid,
    subnet_address_v4_wifi: Option<String> => "subnetAddressV4Wifi" as SubnetAddressV4Wifi,
    ip_address_v4_wifi: Option<String> => "ipAddressV4Wifi" as IpAddressV4Wifi,
});
impl RowLastModified for Device {}

entity_set!(Day, DayField, "dates", ["dateKey"], {
    date_key: i32 => "dateKey" as DateKey,
    #[serde(with = "time::serde::rfc3339")]
    full_date: OffsetDateTime => "fullDate" as FullDate,
    day_of_week: i32 => "dayOfWeek" as DayOfWeek,
    day_of_month: i32 => "dayOfMonth" as DayOfMonth,
    day_of_year: i32 => "dayOfYear" as DayOfYear,
    week_of_year: i32 => "weekOfYear" as WeekOfYear,
    month_of_year: i32 => "monthOfYear" as MonthOfYear,
    calendar_quarter: i32 => "calendarQuarter" as CalendarQuarter,
    calendar_year: i32 => "calendarYear" as CalendarYear,
});
impl DateKeyed for Day {}

entity_set!(MamCheckin, MamCheckinField, "mamCheckins", ["dateKey", "applicationInstanceKey"], {
    date_key: i32 => "dateKey" as DateKey,
    application_instance_key: i32 => "applicationInstanceKey" as ApplicationInstanceKey,
    user_key: i32 => "userKey" as UserKey,
    mam_application_key: i32 => "mamApplicationKey" as MamApplicationKey,
    device_health_key: i32 => "deviceHealthKey" as DeviceHealthKey,
    platform_key: i32 => "platformKey" as PlatformKey,
    effective_applied_policy_key: i32 => "effectiveAppliedPolicyKey" as EffectiveAppliedPolicyKey,
    #[serde(with = "time::serde::rfc3339::option")]
    last_check_in_date: Option<OffsetDateTime> => "lastCheckInDate" as LastCheckInDate,
});
impl DateKeyed for MamCheckin {}
