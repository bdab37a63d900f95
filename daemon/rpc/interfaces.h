/* Interface descriptions embedded from the .varlink files in daemon/interfaces. */
#pragma once

extern const char idl_io_tend_Service[];
extern const char idl_io_tend_Contacts[];
extern const char idl_io_tend_Interactions[];
extern const char idl_io_tend_FollowUps[];
extern const char idl_io_tend_Goals[];
extern const char idl_io_tend_Network[];
extern const char idl_io_tend_Transfer[];
extern const char idl_io_tend_Dates[];
extern const char idl_io_tend_Sync[];
extern const char idl_io_tend_Journal[];
extern const char idl_io_tend_Capture[];
