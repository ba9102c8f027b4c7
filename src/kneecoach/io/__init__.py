"""Reading and writing pose tracks: netCDF, CSV, TRC, OpenPose JSON."""

from kneecoach.io.load import is_keypoint_input, load_keypoints
from kneecoach.io.netcdf import from_netcdf_file, to_netcdf_file
from kneecoach.io.openpose import from_openpose_folder
from kneecoach.io.trc import from_trc_file, to_trc_file
from kneecoach.io.wide_csv import from_csv_file, to_csv_file

__all__ = [
    "from_csv_file",
    "from_netcdf_file",
    "from_openpose_folder",
    "from_trc_file",
    "is_keypoint_input",
    "load_keypoints",
    "to_csv_file",
    "to_netcdf_file",
    "to_trc_file",
]
